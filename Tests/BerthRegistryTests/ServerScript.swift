// The Python servers the transport tests talk to: a fixed-response HTTP/1.1 server
// (optionally TLS) and a forward proxy that counts CONNECT tunnels.
let serverScript = #"""
import socket, socketserver, ssl, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

lock = threading.Lock()
connections = 0
tunnels = 0
BLOB = bytes(i * 7 % 251 for i in range(1 << 20))

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass

    def setup(self):
        global connections
        super().setup()
        with lock:
            connections += 1
            self.connection_id = connections

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Connection", str(self.connection_id))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def chunked(self, parts, extension=b""):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Connection", str(self.connection_id))
        self.end_headers()
        for part in parts:
            self.wfile.write(b"%x%s\r\n" % (len(part), extension) + part + b"\r\n")
        self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")

    def do_HEAD(self): self.do_GET()

    def do_GET(self):
        path = self.path
        port = self.server.server_address[1]
        if path == "/fixed": self.reply(200, b"hello world")
        elif path == "/echo":
            lines = [self.requestline] + ["%s: %s" % item for item in self.headers.items()]
            self.reply(200, ("\n".join(lines) + "\n").encode())
        elif path == "/chunked": self.chunked([b"hello ", b"chunked ", b"world"], b";ext=1")
        elif path == "/big-chunked": self.chunked([BLOB[:1000], BLOB[1000:300000], BLOB[300000:]])
        elif path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the server closes")
            self.close_connection = True
        elif path.startswith("/redirect/"):
            left = int(path.split("/")[2])
            if left == 0: self.reply(200, b"arrived")
            else: self.reply(302, b"moved", [("Location", "/redirect/%d" % (left - 1))])
        elif path == "/silent-close":
            self.reply(200, b"bye")
            self.close_connection = True
        elif path == "/loop": self.reply(302, b"", [("Location", "/loop")])
        elif path == "/relative": self.reply(301, b"", [("Location", "fixed")])
        elif path == "/same-host": self.reply(307, b"", [("Location", "/echo")])
        elif path == "/other-host": self.reply(307, b"", [("Location", "http://localhost:%d/echo" % port)])
        elif path == "/blob":
            wanted = self.headers.get("Range")
            if wanted:
                start = int(wanted.split("=")[1].rstrip("-"))
                self.reply(206, BLOB[start:], [("Content-Range", "bytes %d-%d/%d" % (start, len(BLOB) - 1, len(BLOB)))])
            else: self.reply(200, BLOB)
        elif path == "/empty": self.reply(204)
        elif path == "/never": time.sleep(120)
        elif path == "/malformed":
            self.wfile.write(b"HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n")
            self.close_connection = True
        elif path == "/huge-headers":
            self.send_response(200)
            for i in range(2000): self.send_header("X-Filler-%d" % i, "x" * 40)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only this")
            self.close_connection = True
        else: self.reply(404, b"not found")

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/post-redirect": self.reply(303, b"", [("Location", "/echo")])
        else: self.reply(201, body)
    do_POST = do_PATCH = do_PUT

class Proxy(socketserver.StreamRequestHandler):
    def handle(self):
        global tunnels
        while True:
            line = self.rfile.readline().decode()
            if not line: return
            headers = {}
            while True:
                header = self.rfile.readline().decode().strip()
                if not header: break
                name, value = header.split(":", 1)
                headers[name.strip().lower()] = value.strip()
            method, target, _ = line.split()
            if method == "CONNECT":
                with lock: tunnels += 1
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host.strip("[]"), int(port)))
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                threading.Thread(target=pump, args=(upstream, self.connection), daemon=True).start()
                pump(self.connection, upstream)
                return
            if target == "/tunnels": body = str(tunnels).encode()
            else: body = ("%s %s auth=%s" % (method, target, headers.get("proxy-authorization", "none"))).encode()
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            self.wfile.flush()

def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data: break
            sink.sendall(data)
    except OSError: pass
    for sock in (source, sink):
        try: sock.shutdown(socket.SHUT_RDWR)
        except OSError: pass

class ThreadingTCP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

mode = sys.argv[1]
if mode == "proxy":
    server = ThreadingTCP(("127.0.0.1", 0), Proxy)
else:
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if mode == "tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
