// The rendezvous store: a small key-value server on rank 0 that every rank reaches over TCP, as
// torch.distributed's TCPStore. Ranks exchange what they need to find each other through it
// (Gloo's addresses, NCCL's unique id) and count arrivals with add().
//
// Wire format, every integer little-endian: a request is one op byte and a key (u32 length +
// bytes), then for 'S' (set) a value (u32 length + bytes), for 'A' (add) an i64; 'C' (check)
// sends a u32 count and that many keys instead of one key. The answers: 'S' a byte 1; 'G' (get)
// a byte 1 and the value, or 0 when the key is absent; 'A' the new i64; 'C' a byte per key, 1 for
// present. The server bounds every length before allocating and drops a connection that breaks
// the format.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dist/socket.h"

namespace tessel::dist {

inline constexpr size_t kMaxStoreKey = 4096;
inline constexpr size_t kMaxStoreValue = size_t{16} << 20;
inline constexpr size_t kMaxStoreCheckKeys = 1 << 16;
inline constexpr size_t kMaxStoreBytes = size_t{256} << 20;  // all values together

class StoreServer;

class TcpStore {
 public:
  // Connects to host:port; with `serve` (rank 0) it first starts the server there (port 0: any
  // free port, see port()). `timeout` bounds connecting and every wait.
  TcpStore(const std::string& host, uint16_t port, bool serve, std::chrono::milliseconds timeout);
  ~TcpStore();
  TcpStore(const TcpStore&) = delete;
  TcpStore& operator=(const TcpStore&) = delete;

  uint16_t port() const { return port_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  void set(const std::string& key, const std::vector<char>& value);
  // Waits up to the timeout for the key to be set.
  std::vector<char> get(const std::string& key);
  // Adds delta to the integer stored at key (absent: 0) and returns the sum.
  int64_t add(const std::string& key, int64_t delta);
  std::vector<bool> check(const std::vector<std::string>& keys);
  // Waits until every key is set; returns the keys still missing when `timeout` ran out (empty
  // when all arrived).
  std::vector<std::string> wait_for(const std::vector<std::string>& keys,
                                    std::chrono::milliseconds timeout);
  // "what/N/" with N counting this client's calls: groups made in the same order on every rank
  // get the same prefix for their keys.
  std::string new_prefix(const std::string& what);

 private:
  template <typename Fn>
  auto request(Fn&& fn);

  std::unique_ptr<StoreServer> server_;
  std::chrono::milliseconds timeout_;
  uint16_t port_ = 0;
  int prefixes_ = 0;
  std::mutex mutex_;  // one request at a time on the connection
  Socket socket_;
};

// What the server holds.
struct StoreData {
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<char>> values;
  size_t bytes = 0;  // keys and values together, at most kMaxStoreBytes
};
// Serves one client connection until it closes or breaks the format (the server runs one per
// connection on its own thread). Exposed for the fuzz target.
void serve_store_connection(const Socket& connection, StoreData& data);

}  // namespace tessel::dist
