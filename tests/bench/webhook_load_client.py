"""Load generator run as its own process: N signed Meta webhook POSTs from C keep-alive clients.

Usage: python webhook_load_client.py HOST PORT COUNT CONCURRENCY SECRET ID_PREFIX
Prints one JSON line: {"seconds", "client_cpu_seconds", "latencies_ms": [...], "statuses": {code: n}}.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import sys
import threading
import time

# Half the texts are unique per message (as real questions are); the short requests repeat, as they do.
TEXTS = (
    "Hi, is the shop open on Sunday? This is about order {n}.",
    "STOP",
    "Please stop sending me offers",
    "Do you have the blue one in size {size}? Asking for order {n}",
    "unsubscribe",
    "Thanks, see you tomorrow at {hour} (ref {n})!",
    "BAJA",
    "Can you stop by at {hour}? Parcel {n} is ready",
    "no more promos please",
    "What time do you close today? Ticket {n}",
)


def _text(i: int) -> str:
    return TEXTS[i % len(TEXTS)].format(n=100000 + i, size=36 + i % 10, hour=f"{8 + i % 10}:00")


def build_bodies(count: int, secret: str, prefix: str) -> list[tuple[bytes, str]]:
    bodies = []
    now = int(time.time())
    for i in range(count):
        phone = f"1555{2000000 + i % 500:07d}"
        envelope = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "104477000000123",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550100100",
                                    "phone_number_id": "110022003300441",
                                },
                                "contacts": [{"profile": {"name": f"Customer {i % 500}"}, "wa_id": phone}],
                                "messages": [
                                    {
                                        "from": phone,
                                        "id": f"wamid.{prefix}.{i:06d}",
                                        "timestamp": str(now - 30),
                                        "type": "text",
                                        "text": {"body": _text(i)},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        body = json.dumps(envelope).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        bodies.append((body, "sha256=" + digest))
    return bodies


def run(host: str, port: int, bodies: list[tuple[bytes, str]], concurrency: int) -> dict[str, object]:
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[dict[int, int]] = [{} for _ in range(concurrency)]
    start_gate = threading.Barrier(concurrency + 1)

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine = bodies[index::concurrency]
        start_gate.wait()
        for body, signature in mine:
            began = time.perf_counter()
            conn.request(
                "POST",
                "/webhook",
                body,
                {"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            )
            response = conn.getresponse()
            response.read()
            latencies[index].append((time.perf_counter() - began) * 1000)
            statuses[index][response.status] = statuses[index].get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    cpu_began = time.process_time()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    merged: dict[int, int] = {}
    for part in statuses:
        for code, n in part.items():
            merged[code] = merged.get(code, 0) + n
    return {
        "seconds": seconds,
        "client_cpu_seconds": cpu_seconds,
        "latencies_ms": [x for part in latencies for x in part],
        "statuses": merged,
    }


def main(argv: list[str]) -> int:
    host, port, count, concurrency, secret, prefix = argv
    bodies = build_bodies(int(count), secret, prefix)
    result = run(host, int(port), bodies, int(concurrency))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
