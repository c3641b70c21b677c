"""An SMTP server for the tests (aiosmtpd): every message it accepts is written to DIR as
NNNN.eml (atomically: written aside, then renamed). With REFUSE > 0, the first REFUSE
messages are refused with a temporary error (451), as a server that is briefly unwell.

    python3 tests/support/smtp_sink.py PORT DIR [REFUSE]

Prints "ready" once it listens; runs until killed.
"""
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = refuse
        self.seen = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            number = self.seen
        if number <= self.refuse:
            return "451 4.3.0 Try again later"
        path = os.path.join(self.directory, f"{number:04d}.eml")
        with open(path + ".tmp", "wb") as out:
            out.write(b"X-Envelope-From: " + (envelope.mail_from or "").encode() + b"\r\n")
            out.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            out.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    refuse = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory, refuse), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
