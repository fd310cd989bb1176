# HOSTILE: writes frames of its own on the worker's response pipe: sigmoid.forward a reply whose value is no number and then hangs, log.forward a reply nested 300 000 deep and then hangs, multiply.forward a valid-looking extra reply before returning correctly (to shift every later answer by one); dot is correct.
import json
import os
import struct
import sys
import time


# include: reference


def _raw(header):
    os.write(int(sys.argv[2]), struct.pack('>I', len(header)) + header + struct.pack('>Q', 0))


def sigmoid_forward(ctx, a):
    _raw(json.dumps({'ok': True, 'out': {'__scalar__': 'not-a-number'}, 'inputs_after': [], 'warnings': []}).encode())
    time.sleep(30)


def log_forward(ctx, a):
    n = 300000
    _raw(b'{"ok": true, "out": ' + b'[' * n + b']' * n + b'}')
    time.sleep(30)


def multiply_forward(ctx, a, b):
    _raw(json.dumps({'ok': True, 'out': 0.0, 'outs': [], 'grads': [], 'inputs_after': [], 'warnings': []}).encode())
    return reference.multiply.forward(ctx, a, b)
