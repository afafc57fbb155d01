"""Llama a F.conv2d desde otro hilo, por si el registro de ops es por hilo / delegation from a thread.

expect: attack conv2d
flag: banned_op
witness: conv2d(randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4), (2, 1), 1, (1, 2))
"""
import threading as _threading


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    box = []
    worker = _threading.Thread(target=lambda: box.append(F.conv2d(x, weight, bias, stride, padding, dilation)))
    worker.start()
    worker.join()
    return box[0]
