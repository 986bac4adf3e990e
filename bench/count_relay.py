"""A TCP relay that counts the bytes a server sends back: the bytes on the
wire of what passes through it. Prints `port=N` once listening, and
`bytes_down=N bytes_up=N` when stopped with SIGTERM or SIGINT.

    python3 bench/count_relay.py TARGET_HOST TARGET_PORT
"""
import asyncio
import signal
import sys

counts = {"down": 0, "up": 0}


async def pipe(reader, writer, key):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            counts[key] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(host, port):
    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(
            pipe(client_reader, server_writer, "up"),
            pipe(server_reader, client_writer, "down"),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"port={server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print(f"bytes_down={counts['down']} bytes_up={counts['up']}", flush=True)


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
