#!/usr/bin/python3
"""Test helper for the capture tests, run inside network namespaces the tests create.

  netprobe.py tcp-listen ADDR PORT LABEL   answer each TCP connection with one line (for a connection nothing
                                           redirected, SO_ORIGINAL_DST is its own destination):
                                           LABEL orig=IP:PORT (SO_ORIGINAL_DST, or none) peer=IP:PORT
  netprobe.py udp-listen ADDR PORT LABEL   answer each datagram the same way (orig=none)
  netprobe.py tcp-ask HOST PORT            connect, print the line (or "error: ...")
  netprobe.py udp-ask HOST PORT            send one datagram, print the answer (or "error: ...")
A listener prints "ready" once bound. Everything ends by itself: clients after 3 s, listeners when killed.
"""
import socket
import struct
import sys
import threading

SO_ORIGINAL_DST = 80


def original_dst(conn):
    try:
        raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    except OSError:
        return "none"
    port, = struct.unpack_from("!H", raw, 2)
    return "%s:%d" % (socket.inet_ntoa(raw[4:8]), port)


def tcp_listen(addr, port, label):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    print("ready", flush=True)

    def serve(conn, peer):
        with conn:
            line = "%s orig=%s peer=%s:%d\n" % (label, original_dst(conn), peer[0], peer[1])
            conn.sendall(line.encode())

    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


def udp_listen(addr, port, label):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("ready", flush=True)
    while True:
        _, peer = s.recvfrom(2048)
        s.sendto(("%s orig=none peer=%s:%d\n" % (label, peer[0], peer[1])).encode(), peer)


def ask(kind, host, port):
    try:
        if kind == "tcp":
            with socket.create_connection((host, port), timeout=3) as c:
                c.settimeout(3)
                data = c.recv(2048)
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
                c.settimeout(3)
                c.sendto(b"?", (host, port))
                data, _ = c.recvfrom(2048)
        print(data.decode().strip())
    except OSError as e:
        print("error: %s" % e)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "tcp-listen":
        tcp_listen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "udp-listen":
        udp_listen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        ask(mode.split("-")[0], sys.argv[2], int(sys.argv[3]))
