#!/usr/bin/python3
"""A gRPC upstream for the e2e tests (Debian's python3-grpcio), plaintext
HTTP/2 on 127.0.0.1. One unary method, /e2e.Echo/Say, with raw bytes as
messages (no protobuf code needed): it answers the request's bytes, and
sets the trailer x-e2e-trailer: done besides grpc-status.

    grpc_echo.py PORT_FILE      writes the port it listens on, then serves
                                until SIGTERM or SIGINT
"""
import os
import signal
import sys
import threading
from concurrent import futures

import grpc


def say(request, context):
    context.set_trailing_metadata((("x-e2e-trailer", "done"),))
    return request


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    handler = grpc.method_handlers_generic_handler(
        "e2e.Echo",
        {"Say": grpc.unary_unary_rpc_method_handler(
            say, request_deserializer=None, response_serializer=None)})
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(port) + "\n")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop(0)


if __name__ == "__main__":
    main()
