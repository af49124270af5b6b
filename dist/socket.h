// TCP sockets for the rendezvous store (tcp_store.h) and the launcher: an owning file
// descriptor, listening and connecting with retries, and whole-message sends and receives that
// give up at a deadline instead of blocking forever.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tessel::dist {

using Clock = std::chrono::steady_clock;

// Owns a socket; closes it on destruction.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket();
  Socket(Socket&& o) noexcept : fd_(o.release()) {}
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Wakes a thread blocked on this socket (its reads see end of stream); the fd stays open.
  void shutdown();

 private:
  int fd_ = -1;
};

// A socket listening on every interface at `port` (0: the kernel picks one; port() says which).
Socket listen_on(uint16_t port);
uint16_t local_port(const Socket& s);
// Connects to host:port, retrying refused or unreachable attempts until `deadline`; throws
// naming the address and what the last attempt said.
Socket connect_to(const std::string& host, uint16_t port, Clock::time_point deadline);
// Accepts one connection; returns an invalid socket when `listener` was shut down.
Socket accept_from(const Socket& listener);

// Sends or receives exactly n bytes. With a deadline (time_point::max() for none) a peer that
// stops answering makes these throw; a closed connection makes recv_all return false when no byte
// of the message had arrived, and throw otherwise.
void send_all(const Socket& s, const void* data, size_t n, Clock::time_point deadline);
bool recv_all(const Socket& s, void* data, size_t n, Clock::time_point deadline);

}  // namespace tessel::dist
