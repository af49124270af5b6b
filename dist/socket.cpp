#include "dist/socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.h"

namespace tessel::dist {

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

void Socket::shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

Socket listen_on(uint16_t port) {
  Socket s(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  bool v6 = s.valid();
  if (!v6) s = Socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  TESSEL_CHECK(s.valid(), "dist: socket() failed: ", std::strerror(errno));
  int on = 1, off = 0;
  ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  int rc;
  if (v6) {  // dual stack: IPv4 peers arrive as mapped addresses
    ::setsockopt(s.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(port);
    rc = ::bind(s.fd(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(port);
    rc = ::bind(s.fd(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  TESSEL_CHECK(rc == 0, "dist: cannot listen on port ", port, ": ", std::strerror(errno),
               errno == EADDRINUSE ? " (another job uses it: pick another master port)" : "");
  TESSEL_CHECK(::listen(s.fd(), 1024) == 0, "dist: listen() on port ", port,
               " failed: ", std::strerror(errno));
  return s;
}

uint16_t local_port(const Socket& s) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  TESSEL_CHECK(::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &len) == 0,
               "dist: getsockname failed: ", std::strerror(errno));
  return ntohs(a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port
                                       : reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

Socket connect_to(const std::string& host, uint16_t port, Clock::time_point deadline) {
  std::string last = "no attempt";
  auto pause = std::chrono::milliseconds(10);
  for (;;) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (gai != 0) {
      last = std::string("cannot resolve the host: ") + ::gai_strerror(gai);
    } else {
      for (addrinfo* ai = found; ai; ai = ai->ai_next) {
        Socket s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!s.valid()) continue;
        if (::connect(s.fd(), ai->ai_addr, ai->ai_addrlen) == 0) {
          ::freeaddrinfo(found);
          int on = 1;  // requests are small and answered at once: no Nagle delay
          ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
          return s;
        }
        last = std::strerror(errno);
      }
      ::freeaddrinfo(found);
    }
    if (Clock::now() + pause >= deadline) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
  TESSEL_FAIL("dist: could not connect to ", host, ":", port,
              " before the timeout (last attempt: ", last,
              "); is rank 0 running, and are MASTER_ADDR and MASTER_PORT right?");
}

Socket accept_from(const Socket& listener) {
  for (;;) {
    int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      return Socket(fd);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return Socket();  // shut down (EINVAL) or out of descriptors: the server stops accepting
  }
}

namespace {
// Waits until the socket is ready for `events`; false at the deadline.
bool wait_ready(const Socket& s, short events, Clock::time_point deadline) {
  for (;;) {
    int ms = -1;
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      ms = static_cast<int>(std::min<int64_t>(left.count() + 1, 60'000));
    }
    pollfd p{s.fd(), events, 0};
    int rc = ::poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return true;  // let the read or write report the error
  }
}
}  // namespace

void send_all(const Socket& s, const void* data, size_t n, Clock::time_point deadline) {
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    TESSEL_CHECK(wait_ready(s, POLLOUT, deadline), "dist: timed out sending to the peer");
    ssize_t k = ::send(s.fd(), p, n, MSG_NOSIGNAL);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    TESSEL_CHECK(k > 0,
                 "dist: the connection to the peer broke while sending: ", std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
  }
}

bool recv_all(const Socket& s, void* data, size_t n, Clock::time_point deadline) {
  auto* p = static_cast<char*>(data);
  size_t got = 0;
  while (got < n) {
    TESSEL_CHECK(wait_ready(s, POLLIN, deadline), "dist: timed out waiting for the peer");
    ssize_t k = ::recv(s.fd(), p + got, n - got, 0);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k == 0 && got == 0) return false;
    TESSEL_CHECK(k > 0, "dist: the connection to the peer ",
                 k == 0 ? "closed in the middle of a message" : "broke while receiving: ",
                 k == 0 ? "" : std::strerror(errno));
    got += static_cast<size_t>(k);
  }
  return true;
}

}  // namespace tessel::dist
