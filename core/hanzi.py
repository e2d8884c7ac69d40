"""Traditional characters folded to simplified, one character to one character.

Some pages of the inspection cycle are printed in traditional script (a news
agency's report of a feedback round: 中央巡視組…反饋); the parsers and the unit
names read simplified text. ``to_simplified`` folds the traditional characters
of this domain's wording (inspection, feedback, dates, contacts, party and
government bodies) and of Guangdong's place names, one for one, so offsets
into the folded text are offsets into the original.

The table is deliberately this domain's, not a general converter: a
character outside it stays as printed, and a name that then matches no unit
is left for an alias (``core.units``), never guessed. Characters that are
also ordinary simplified characters (乾, 台, 於 as a surname…) are not in it,
except 於 → 于, which in these texts is always the preposition.
"""

from __future__ import annotations

# Pairs "traditional simplified", grouped by what they serve.
_TEXT = """
視视 組组 進进 駐驻 饋馈 開开 對对 屆届 輪轮 審审 計计 監监 紀纪 檢检 舉举 報报 責责 黨党
員员 會会 區区 縣县 鄉乡 鎮镇 廳厅 務务 廣广 東东 國国 團团 學学 醫医 產产 業业 機机 構构
辦办 處处 總总 幹干 導导 領领 體体 級级 專专 項项 規规 則则 準准 權权 協协 調调 據据 統统
決决 經经 濟济 財财 稅税 環环 農农 衛卫 輸输 運运 網网 絡络 聯联 繫系 係系 質质 貫贯 徹彻
習习 傳传 達达 講讲 話话 發发 現现 問问 題题 見见 議议 結结 潔洁 風风 氣气 敗败 義义 選选
設设 證证 條条 們们 並并 與与 為为 於于 個个 這这 從从 來来 將将 應应 說说 書书 記记 長长
頭头 關关 陽阳 雲云 門门 華华 實实 圍围 後后 節节 週周 歲岁 萬万 億亿 兩两 時时 間间 訪访
電电 郵邮 號号 遞递 編编 碼码 訊讯 戶户 營营 貿贸 銀银 險险 藥药 礦矿 園园 場场 鐵铁 橋桥
濱滨 灣湾 匯汇 滙汇 彙汇 嶺岭 鶴鹤 龍龙 崗岗 鹽盐 蓮莲 羅罗 黃黄 寶宝 鳳凤 僑侨 輔辅 樂乐
豐丰 興兴 寧宁 饒饶 連连 賀贺 懷怀 慶庆 鬱郁 臺台 聞闻 吳吴 壩坝 陸陆 遠远 順顺 禪禅 歸归
屬属 揮挥 驗验 積积 極极 優优 異异 範范 負负 聽听 織织 線线 歷历 圖图 館馆 賓宾 製制 況况
請请 認认 識识 過过 還还 論论 談谈 親亲 參参 簡简 稱称 標标 齊齐 補补 僅仅 緊紧 嚴严 肅肃
護护 維维 強强 張张 陳陈 聲声 劉刘 趙赵 錄录 內内 復复 帶带 筆笔 紙纸 資资 觀观 點点 戰战
務务 職职 權权 綜综 執执 紮扎 貪贪 轄辖 賄贿 賂赂 違违 費费 錢钱 債债
"""
_PAIRS = _TEXT.split()

_TABLE = {ord(pair[0]): ord(pair[1]) for pair in _PAIRS if len(pair) == 2}


def to_simplified(text: str) -> str:
    """``text`` with this domain's traditional characters folded to simplified (same length)."""
    return text.translate(_TABLE)
