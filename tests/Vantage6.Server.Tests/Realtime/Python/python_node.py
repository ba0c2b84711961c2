"""Connects to /tasks the way the vantage6 Python node does (python-socketio client, bearer header,
polling handshake then websocket upgrade), answers `sync` with `node_info_update` and a `ping`,
prints what it received as one JSON line once a `new_task` arrived (or after the timeout), and
disconnects when a line arrives on stdin.

usage: python_node.py <server url> <node token> <timeout seconds>
"""
import json
import sys
import threading

import socketio

url, token, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
received = []
done = threading.Event()
sio = socketio.Client(reconnection=False)


def record(name):
    def handler(*args):
        received.append({"event": name, "args": list(args)})
        if name == "new_task":
            done.set()
    return handler


for name in ("message", "node-online", "node-offline", "new_task", "kill_containers",
             "algorithm_status_change", "expired_token", "invalid_token"):
    sio.on(name, record(name), namespace="/tasks")


@sio.on("sync", namespace="/tasks")
def on_sync():
    received.append({"event": "sync", "args": []})
    sio.emit("node_info_update", {"encryption": False, "allowed_algorithms": "all",
                                  "database_labels": ["default"],
                                  "database_types": {"db_type_default": "csv"}}, namespace="/tasks")
    sio.emit("ping", namespace="/tasks")
    print("SYNCED", flush=True)


sio.connect(url, headers={"Authorization": f"Bearer {token}"}, namespaces=["/tasks"], wait_timeout=20)
done.wait(timeout)
print(json.dumps({"transport": sio.transport(), "events": received}), flush=True)
sys.stdin.readline()
sio.disconnect()
