"""Run the Oxigraph server with no network but its own loopback, reached through a relay: it cannot call out.

Defence in depth for `maillage serve`: the front refuses SERVICE
(sparql.check_query), and Oxigraph has no option to disable it. So the
server runs in network and user namespaces of its own (Linux, unprivileged
where user namespaces are allowed): their only interface is a loopback of
their own, and a SERVICE call finds no route out.

    python -m maillage.endpoint.offline oxigraph serve-read-only --bind 127.0.0.1:PORT ...

This process listens on 127.0.0.1:PORT in the machine's namespace (before
leaving it: the socket stays there), then moves into the new namespaces,
starts Oxigraph on the same address there, and relays each connection to it.
Where the platform refuses the namespaces, it says so on stderr and becomes
the Oxigraph server itself (exec): the front's check still stands.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000  # <linux/sched.h>
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1  # <linux/sockios.h>, <net/if.h>
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
CHUNK = 1 << 16
LIBC = ctypes.CDLL(None, use_errno=True)


def unshare_network() -> bool:
    """Move this process (one thread only) into new user and network namespaces: True if it could."""
    try:
        if LIBC.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            return False
    except AttributeError:  # not Linux
        return False
    return True


def loopback_up() -> None:
    """Bring up `lo` of this network namespace (down when made): what Oxigraph binds to and the relay reaches."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _die_with_parent() -> None:
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # Oxigraph never outlives its relay


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()


async def _relay(listener: socket.socket, host: str, port: int, oxigraph: subprocess.Popen) -> int:
    async def connect(client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:  # Oxigraph not listening yet (starting): the client sees a closed connection and retries
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))

    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stopped.done() or stopped.set_result(0))
    server = await asyncio.start_server(connect, sock=listener)
    ended = loop.run_in_executor(None, oxigraph.wait)
    done, _ = await asyncio.wait({stopped, ended}, return_when=asyncio.FIRST_COMPLETED)
    server.close()
    if oxigraph.poll() is None:
        oxigraph.terminate()
        try:
            oxigraph.wait(5)
        except subprocess.TimeoutExpired:
            oxigraph.kill()
    return 0 if stopped in done else oxigraph.returncode or 1


def main(command: list[str]) -> int:
    host, _, port = command[command.index("--bind") + 1].rpartition(":")
    listener = socket.create_server((host, int(port)))
    if not unshare_network():
        listener.close()
        print("maillage : l'espace de noms réseau est refusé ici, Oxigraph tourne sans isolation réseau / "
              "network namespace refused here, Oxigraph runs without network isolation", file=sys.stderr)
        os.execv(command[0], command)
    loopback_up()
    oxigraph = subprocess.Popen(command, preexec_fn=_die_with_parent)  # noqa: PLW1509 (one thread: no fork hazard)
    return asyncio.run(_relay(listener, host, int(port), oxigraph))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
