// The rendezvous store's server (dist/tcp_store.h) reading requests from a client: any byte
// stream must be served or the connection dropped, with every length bounded before it is
// allocated; nothing may crash, hang or grow without bound.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "core/error.h"
#include "dist/tcp_store.h"
#include "fuzz/fuzz_target.h"

TESSEL_FUZZ_TARGET(store_request) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
  tessel::dist::Socket client(fds[0]), server(fds[1]);
  // The client writes the input and reads every answer, so the server never blocks on a full
  // socket.
  std::thread peer([&] {
    size_t sent = 0;
    while (sent < input.size()) {
      ssize_t k = ::send(client.fd(), input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
      if (k <= 0) break;
      sent += static_cast<size_t>(k);
    }
    ::shutdown(client.fd(), SHUT_WR);
    char buf[4096];
    while (::recv(client.fd(), buf, sizeof buf, 0) > 0) {
    }
  });
  tessel::dist::StoreData data;
  try {
    tessel::dist::serve_store_connection(server, data);
  } catch (const tessel::Error&) {  // the peer went away mid-answer
  }
  server.shutdown();
  peer.join();
  if (data.bytes > tessel::dist::kMaxStoreBytes) __builtin_trap();
}
