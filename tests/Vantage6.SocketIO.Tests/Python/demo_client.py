"""Drives the demo namespace with the python-socketio client; prints one JSON object of findings.

Usage: demo_client.py <server url> <polling|websocket|upgrade>
"""
import json
import os
import sys
import threading
import time

import socketio

url, mode = sys.argv[1], sys.argv[2]
transports = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": ["polling", "websocket"]}[mode]
results = {}
welcomes = []
room_messages = []
answered = []
disconnects = []
lock = threading.Condition()


def wait_for(condition, what, seconds=10):
    deadline = time.time() + seconds
    with lock:
        while not condition():
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError(what)
            lock.wait(remaining)


def quiet_disconnect(client):
    # python-engineio's polling write loop drops queued packets (the CLOSE among them) when disconnect()
    # lands while a POST is still in flight; its read thread then waits for the next ping. Let the
    # outgoing queue drain first so the server sees a clean close.
    deadline = time.time() + 5
    while client.eio.queue.unfinished_tasks and time.time() < deadline:
        time.sleep(0.01)
    client.disconnect()


def record(target, value):
    with lock:
        target.append(value)
        lock.notify_all()


main = socketio.Client(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.2)
main.on("welcome", lambda data: record(welcomes, data), namespace="/demo")
main.on("room_message", lambda data: record(room_messages, data), namespace="/demo")
main.on("client_answered", lambda data: record(answered, data), namespace="/demo")
main.on("question", lambda q: "py answer to " + q, namespace="/demo")
main.on("disconnect", lambda: record(disconnects, True), namespace="/demo")

main.connect(url, headers={"X-Demo": "python"}, auth={"token": "py"}, transports=transports,
             namespaces=["/demo"], wait_timeout=10)
wait_for(lambda: len(welcomes) == 1, "welcome")
results["transport"] = main.transport()
results["header"] = welcomes[0]["header"]
results["auth"] = welcomes[0]["auth"]
results["echo"] = main.call("echo", {"x": 1}, namespace="/demo", timeout=10)
results["join"] = main.call("join", "py-room", namespace="/demo", timeout=10)

other = socketio.Client(reconnection=False)
other.connect(url, transports=transports, namespaces=["/demo"], wait_timeout=10)
other.emit("to_room", ("py-room", "hello room"), namespace="/demo")
wait_for(lambda: len(room_messages) == 1, "room message")
results["room_message"] = room_messages[0]
quiet_disconnect(other)

main.emit("ask_client", "q", namespace="/demo")
wait_for(lambda: len(answered) == 1, "client answer")
results["answered"] = answered[0]

main.emit("drop_transport", namespace="/demo")
wait_for(lambda: len(welcomes) == 2, "welcome after reconnect", seconds=20)
results["reconnected_with_new_id"] = welcomes[1]["id"] != welcomes[0]["id"]
results["echo_after_reconnect"] = main.call("echo", "again", namespace="/demo", timeout=10)

main.emit("server_close", namespace="/demo")
wait_for(lambda: len(disconnects) >= 2, "server close")
time.sleep(0.5)
results["connected_after_server_close"] = main.connected
print(json.dumps(results), flush=True)
# main was closed by the server; exit without waiting for threads the library may leave behind.
os._exit(0)
