#!/usr/bin/python3
"""amq_dump.py - prints every message of an ActiveMQ destination, one body
per line, read with Debian's python3-stomp (a client we did not write).

  amq_dump.py DEST [IDLE_S]

Subscribes to DEST and prints each body as it arrives, until IDLE_S
seconds (default 3) pass without one, or 60 s in all.
"""
import os
import sys
import threading
import time

import stomp


class Printer(stomp.ConnectionListener):
    def __init__(self):
        self.last = time.time()
        self.lock = threading.Lock()

    def on_message(self, frame):
        with self.lock:
            self.last = time.time()
            print(frame.body.replace("\n", " "), flush=True)


def main():
    dest = sys.argv[1]
    idle = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    printer = Printer()
    conn = stomp.Connection12([(os.environ["STOMP_HOST"], int(os.environ["STOMP_PORT"]))])
    conn.set_listener("printer", printer)
    conn.connect(os.environ["STOMP_USER"], os.environ["STOMP_PASSWORD"], wait=True)
    conn.subscribe(destination=dest, id="1", ack="auto")
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        with printer.lock:
            if time.time() - printer.last >= idle:
                break
    conn.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
