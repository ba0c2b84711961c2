#!/usr/bin/env python3
"""Federated mean of a CSV column, for the vantage6 node (process or Docker runtime).

Standard library only. Follows the vantage6 algorithm contract: environment variables are base32-encoded
('=' written as '!'), the input file holds {"method", "args", "kwargs"}, the return value is written as JSON
to the output file, and the server is reached through the node's proxy with the container token.

Methods:
  central_average(column_name)  creates a partial_average subtask for every organization of the
                                collaboration, waits for them and combines the partial results
  partial_average(column_name)  sum and count of the column in the first requested database
"""
import base64
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.request


def decode_environment():
    for name, value in list(os.environ.items()):
        try:
            os.environ[name] = base64.b32decode(value.replace("!", "=")).decode("utf-8")
        except Exception:
            pass


def info(message):
    print(f"info > {message}", flush=True)


class Client:
    """Minimal algorithm client: the node proxy at HOST:PORT with the container token."""

    def __init__(self):
        self.base = f"{os.environ['HOST']}:{os.environ['PORT']}{os.environ.get('API_PATH', '')}"
        with open(os.environ["TOKEN_FILE"]) as f:
            self.token = f.read().strip()
        payload = self.token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        self.claims = json.loads(base64.urlsafe_b64decode(payload))["sub"]

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path} failed with {e.code}: {e.read().decode(errors='replace')}")

    def organizations(self):
        orgs, page = [], 1
        while True:
            reply = self.request("GET", f"/organization?collaboration_id={self.claims['collaboration_id']}&page={page}")
            orgs += [o["id"] for o in reply["data"]]
            if not reply.get("links", {}).get("next"):
                return orgs
            page += 1

    def create_subtask(self, organizations, method, kwargs):
        payload = json.dumps({"method": method, "args": [], "kwargs": kwargs}).encode()
        encoded = base64.b64encode(payload).decode()
        return self.request("POST", "/task", {
            "name": "subtask",
            "image": self.claims["image"],
            "collaboration_id": self.claims["collaboration_id"],
            "description": f"task from container on node_id={self.claims['node_id']}",
            "organizations": [{"id": o, "input": encoded} for o in organizations],
            "databases": self.claims.get("databases") or [],
        })

    def wait_for_results(self, task_id):
        delay = 1.0
        while True:
            status = self.request("GET", f"/task/{task_id}/status")["status"]
            if status not in ("pending", "initializing", "active"):
                break
            time.sleep(delay)
            delay = min(delay * 1.5, 10)
        if status != "completed":
            raise RuntimeError(f"subtask {task_id} ended with status '{status}'")
        results, page = [], 1
        while True:
            reply = self.request("GET", f"/result?task_id={task_id}&page={page}")
            for item in reply["data"]:
                if item.get("result"):
                    results.append(json.loads(base64.b64decode(item["result"]).decode("utf-8")))
            if not reply.get("links", {}).get("next"):
                return results
            page += 1


def central_average(column_name):
    client = Client()
    organizations = client.organizations()
    info(f"creating partial_average subtasks for organizations {organizations}")
    task = client.create_subtask(organizations, "partial_average", {"column_name": column_name})
    partials = client.wait_for_results(task["id"])
    total = sum(p["sum"] for p in partials)
    count = sum(p["count"] for p in partials)
    info(f"combined {len(partials)} partial results")
    return {"average": total / count if count else None, "count": count, "organizations": len(partials)}


def partial_average(column_name):
    labels = [l for l in os.environ.get("USER_REQUESTED_DATABASE_LABELS", "").split(",") if l]
    label = labels[0] if labels else "default"
    path = os.environ[f"{label.upper()}_DATABASE_URI"]
    total, count = 0.0, 0
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            value = row.get(column_name, "").strip()
            if value:
                total += float(value)
                count += 1
    info(f"partial average over {count} rows of '{label}'")
    return {"sum": total, "count": count}


METHODS = {"central_average": central_average, "partial_average": partial_average}


def main():
    decode_environment()
    try:
        with open(os.environ["INPUT_FILE"], "rb") as f:
            task = json.loads(f.read().decode("utf-8"))
        method = METHODS[task["method"]]
        result = method(*task.get("args", []), **task.get("kwargs", {}))
        with open(os.environ["OUTPUT_FILE"], "w") as f:
            f.write(json.dumps(result))
    except Exception as e:
        print(f"error > {type(e).__name__}: {e}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
