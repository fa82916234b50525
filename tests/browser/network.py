"""A phone's network between the browser and the live server: a TCP relay on a local port that can go
offline (every connection, new or kept alive, is cut) or lose answers (the request reaches the server,
which acts on it, but its answer never reaches the phone)."""

import select
import socket
import threading

ONLINE, OFFLINE, LOSES_ANSWERS = "online", "offline", "loses answers"


class Network:
    def __init__(self, server_port: int):
        self.server_port = server_port
        self.state = ONLINE
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                phone, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(phone,), daemon=True).start()

    def _relay(self, phone: socket.socket) -> None:
        """Bytes both ways until either side closes; the state is read again for every chunk."""
        if self.state == OFFLINE:
            phone.close()
            return
        server = socket.create_connection(("127.0.0.1", self.server_port))
        try:
            while not self.closed.is_set() and self.state != OFFLINE:
                ready, _, _ = select.select([phone, server], [], [], 0.2)
                if not all(self._pass_on(side, phone, server) for side in ready):
                    return
        except OSError:
            return
        finally:
            phone.close()
            server.close()

    def _pass_on(self, side: socket.socket, phone: socket.socket, server: socket.socket) -> bool:
        """One chunk from `side` to the other; False when the connection is over."""
        data = side.recv(65536)
        if not data or self.state == OFFLINE:
            return False
        if side is phone:
            server.sendall(data)
        elif self.state == LOSES_ANSWERS:
            return False  # the server has answered; the phone never hears it
        else:
            phone.sendall(data)
        return True
