#!/usr/bin/env python3
"""Test algorithm for failure handling: sleep, crash, hang, invalid output, environment echo."""
import base64
import json
import os
import sys
import time


def decode_environment():
    for name, value in list(os.environ.items()):
        try:
            os.environ[name] = base64.b32decode(value.replace("!", "=")).decode("utf-8")
        except Exception:
            pass


def main():
    decode_environment()
    with open(os.environ["INPUT_FILE"], "rb") as f:
        task = json.loads(f.read().decode("utf-8"))
    method, kwargs = task["method"], task.get("kwargs", {})
    print(f"info > running {method}", flush=True)
    result = None
    if method == "sleep":
        heartbeat = os.path.join(os.environ["TEMPORARY_FOLDER"], "heartbeat")
        end = time.time() + float(kwargs.get("seconds", 1))
        while time.time() < end:
            with open(heartbeat, "w") as f:
                f.write(str(time.time()))
            time.sleep(0.05)
        result = {"slept": kwargs.get("seconds", 1)}
    elif method == "crash":
        print("error > something went terribly wrong", flush=True)
        sys.exit(3)
    elif method == "hang":
        while True:
            time.sleep(1)
    elif method == "bad_output":
        with open(os.environ["OUTPUT_FILE"], "w") as f:
            f.write("this is not json")
        return
    elif method == "environment":
        result = {k: os.environ.get(k) for k in ("HOST", "PORT", "API_PATH", "USER_REQUESTED_DATABASE_LABELS",
                                                 "DEFAULT_DATABASE_URI", "DEFAULT_DATABASE_TYPE", "DB_LABELS")}
    with open(os.environ["OUTPUT_FILE"], "w") as f:
        f.write(json.dumps(result))


if __name__ == "__main__":
    main()
