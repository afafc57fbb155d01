"""The template: a warm process that forks workers and never runs student code itself.

Started by :mod:`autograder.sandbox.zygote` inside the same bubblewrap root a worker gets (no
repository, no hidden tests, no network), as root with its capabilities (it must give each
worker a uid and namespaces of its own). It imports torch, sets it up as every worker does
(:func:`worker.prepare`), stays single-threaded and waits on its control socket. For each
request (a worker's config, its uid, and four file descriptors passed with SCM_RIGHTS: the
request pipe, the reply pipe, the output pipe and a status socket) it forks:

- the *keeper* (template's child, trusted): closes every descriptor but those four, unshares the
  mount, pid, network, IPC and UTS namespaces, forks the worker, waits for it and sends its
  exit status on the status socket;
- the *worker* (pid 1 of its own pid namespace): sends one message on the status socket (the
  kernel attaches its pid as the trusted side sees it), waits for the acknowledgement, closes
  the status socket, mounts its own /proc, a private size-capped /tmp and /dev/shm, keeps only
  its pipes, lowers its rlimits, drops to its own uid (every capability goes), and then runs the
  ordinary worker (:func:`worker.run`: the lockdown, "ready", the requests).

The keeper is the worker's parent but lives in the template's pid namespace: the worker's code
cannot name it, nor the template, nor a sibling (its /proc shows itself only), nor signal them
(another uid), nor open their files (another /tmp, its own mount namespace) or sockets (its own
network namespace). Run as (only by zygote.py)::

    python -I template.py --control-fd 5
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import struct
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lockdown  # noqa: E402
import worker  # noqa: E402

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REC, MS_PRIVATE, MS_MOVE = 0x4000, 0x40000, 0x2000
PR_SET_PDEATHSIG = 1
SHM_BYTES = 16 * 1024 * 1024
MAX_REQUEST = 1 << 20

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: bytes, target: bytes, fstype: bytes | None, flags: int, data: bytes | None = None) -> None:
    _check(_libc.mount(source, target, fstype, ctypes.c_ulong(flags), data), f"mount {target.decode()}")


def _mounts_under(folder: str) -> list[str]:
    """The outermost mount points below ``folder`` (from /proc/self/mountinfo), e.g. a checkout's
    read-only binds when the repository lives under /tmp."""
    prefix = folder.rstrip("/") + "/"
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        points = sorted({line.split()[4].encode().decode("unicode_escape") for line in handle
                         if line.split()[4].startswith(prefix)})
    return [p for p in points if not any(p.startswith(other.rstrip("/") + "/") for other in points if other != p)]


def _private_tmp(size: int) -> None:
    """A fresh, size-capped /tmp of this worker's own; the mounts below the template's /tmp (the
    virtualenv's and Python's binds when they live there) are moved aside, then back into it."""
    staging = "/dev/shm/.moving"
    _mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, b"size=4096,mode=0700")
    moved = []
    for index, point in enumerate(_mounts_under("/tmp")):
        aside = f"{staging}/{index}"
        os.makedirs(aside)
        _mount(point.encode(), aside.encode(), None, MS_MOVE)
        moved.append((aside, point))
    _mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777".encode())
    for aside, point in moved:
        os.makedirs(point, mode=0o755, exist_ok=True)
        _mount(aside.encode(), point.encode(), None, MS_MOVE)
    _check(_libc.umount2(b"/dev/shm", 0), "umount /dev/shm")


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def shared_writable_mappings() -> list[str]:
    """Memory this process shares writably with others (MAP_SHARED, writable): a fork would share
    it with the worker, so the template forks only while there is none."""
    with open("/proc/self/maps") as maps:
        return [line.strip() for line in maps if len(line.split()) > 1 and line.split()[1][1:4:2] == "ws"]


def _close_all_but(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _worker(fds: list[int], request: dict, torch, recorder_class, plan) -> None:
    """pid 1 of a new pid namespace: isolate, drop to the worker's uid, then be the worker."""
    code = 1
    try:
        in_fd, out_fd, output_fd, status_fd = fds
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
        status = socket.socket(fileno=status_fd)
        status.send(b"pid")  # SO_PASSCRED on the trusted end: the kernel adds our pid, as it sees it
        if status.recv(16) != b"ack":
            os._exit(1)
        status.close()
        _mount(b"none", b"/", None, MS_REC | MS_PRIVATE)
        _mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _private_tmp(int(request["tmpfs_bytes"]))
        _mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, f"size={SHM_BYTES},mode=1777".encode())
        for needed in (sys.executable, torch.__file__, os.path.abspath(__file__)):
            if not os.path.exists(needed):  # a lazy import would fail later, deep inside a test
                raise RuntimeError(f"the private /tmp hid {needed}")
        # Its own pty instance: the template's /dev/pts would show the ptys its siblings hold open.
        _mount(b"devpts", b"/dev/pts", b"devpts", MS_NOSUID | MS_NOEXEC, b"newinstance,ptmxmode=0666,mode=620")
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        _close_all_but({0, 1, 2, in_fd, out_fd})
        os.chdir("/tmp")
        config, uid = request["config"], int(request["uid"])
        worker.apply_limits(config["limits"], "cpu")
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        with open("/proc/self/status") as handle:
            effective = [line.split()[1] for line in handle if line.startswith("CapEff:")]
        if os.getuid() != uid or os.geteuid() != uid or effective != ["0000000000000000"]:
            raise RuntimeError(f"the worker kept privileges: uid {os.getuid()}, CapEff {effective}")
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")  # cleared by setresuid
        sys.modules["__main__"] = worker  # as in a worker launched apart: its code is the main module
        sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py"), "--in-fd", str(in_fd),
                    "--out-fd", str(out_fd), "--config", json.dumps(config)]
        code = worker.run(in_fd, out_fd, config, torch, recorder_class, plan)
    except SystemExit as exc:  # sys.exit() in the student's code: the status Python itself would give
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - into the worker's output, which the trusted side reads
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _keeper(template_pid: int, control: socket.socket, fds: list[int], request: dict, torch, recorder_class,
            plan) -> None:
    """The template's child: new namespaces, the worker, its exit status."""
    code = 1
    try:
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
        if os.getppid() != template_pid:
            os._exit(1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        _close_all_but({1, 2, *fds})
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
        pid = os.fork()
        if pid == 0:
            _worker(fds, request, torch, recorder_class, plan)
        in_fd, out_fd, output_fd, status_fd = fds
        for fd in (in_fd, out_fd, output_fd):
            os.close(fd)
        _, wait_status = os.waitpid(pid, 0)
        socket.socket(fileno=status_fd).send(b"exit" + struct.pack("=i", wait_status))
        code = 0
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        os._exit(code)


def serve(control: socket.socket, device: str) -> None:
    torch, recorder_class = worker.prepare(device)
    plans: dict[tuple, dict] = {}
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the kernel
    template_pid = os.getpid()
    control.send(json.dumps({"ready": True, "threads": threads()}).encode())
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, MAX_REQUEST, 4)
        except OSError:
            return
        if not message:
            return  # the trusted side closed its end
        try:
            request = json.loads(message)
            if len(fds) != 4:
                raise ValueError(f"expected 4 descriptors, got {len(fds)}")
            families = tuple(request["config"].get("ban", ()))
            if families not in plans:  # the registry scan, once per template and set of families
                plans[families] = lockdown.ban_plan(torch, families)
            if threads() != 1:  # fork copies only this thread: a lock another one holds stays held
                raise RuntimeError(f"the template is not single-threaded ({threads()} threads)")
            shared = shared_writable_mappings()
            if shared:
                raise RuntimeError(f"the template shares writable memory: {shared[0][:200]}")
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _keeper(template_pid, control, fds, request, torch, recorder_class, plans[families])
            reply = {"forked": True}
        except Exception as exc:  # noqa: BLE001 - the trusted side falls back to a launch of its own
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        finally:
            for fd in fds:
                os.close(fd)
        control.send(json.dumps(reply).encode())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    options = parser.parse_args(argv)
    if options.device != "cpu":  # CUDA does not survive fork
        print("the template only forks CPU workers", file=sys.stderr)
        return 2
    sys.stdin = open(os.devnull)
    serve(socket.socket(fileno=options.control_fd), options.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
