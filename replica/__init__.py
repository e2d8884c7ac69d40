"""A replica of the 整改落实 column of 南粤清风网 for tests, benchmarks and the demo.

    from replica import Replica, ReplicaServer
    site = Replica(notices=50, seed=1)
    server = ReplicaServer(site, port=0).start()
    server.url  # http://127.0.0.1:PORT/xunshizgls/
    site.add_notice(); site.edit(site.notice_ids()[3]); site.set_template("B")
    server.stop()

The same server also serves the site's other columns, a TRS site and a variant
on each pager kind (``replica.columns``, ``site.columns``). See docs/replica.md
for the pages, the API and the faults.
"""

from replica.model import AttachmentSpec, ContactsSpec, NoticeSpec, PeriodSpec
from replica.server import ReplicaServer, RunningReplica, running, serve
from replica.state import Replica

__all__ = [
    "AttachmentSpec",
    "ContactsSpec",
    "NoticeSpec",
    "PeriodSpec",
    "Replica",
    "ReplicaServer",
    "RunningReplica",
    "running",
    "serve",
]
