#include "dist/tcp_store.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <thread>

#include "core/error.h"

namespace tessel::dist {
namespace {

constexpr auto kNoDeadline = Clock::time_point::max();

// Requests are built into one buffer and sent with one call.
void put_u32(std::vector<char>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_i64(std::vector<char>& out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
}
void put_bytes(std::vector<char>& out, const char* p, size_t n) {
  put_u32(out, static_cast<uint32_t>(n));
  out.insert(out.end(), p, p + n);
}

bool get_u32(const Socket& s, uint32_t& v, Clock::time_point deadline) {
  unsigned char b[4];
  if (!recv_all(s, b, 4, deadline)) return false;
  v = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  return true;
}
int64_t get_i64(const Socket& s, Clock::time_point deadline) {
  unsigned char b[8];
  TESSEL_CHECK(recv_all(s, b, 8, deadline), "dist: the store closed the connection");
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= uint64_t{b[i]} << (8 * i);
  return static_cast<int64_t>(u);
}
// A length-prefixed byte string of at most `limit` bytes; false when the peer broke the format.
bool get_bytes(const Socket& s, std::vector<char>& out, size_t limit, Clock::time_point deadline) {
  uint32_t n;
  if (!get_u32(s, n, deadline) || n > limit) return false;
  out.resize(n);
  return n == 0 || recv_all(s, out.data(), n, deadline);
}
bool get_key(const Socket& s, std::string& key, Clock::time_point deadline) {
  std::vector<char> b;
  if (!get_bytes(s, b, kMaxStoreKey, deadline)) return false;
  key.assign(b.begin(), b.end());
  return true;
}

void check_key(const std::string& key) {
  TESSEL_CHECK(!key.empty() && key.size() <= kMaxStoreKey, "dist: store key of ", key.size(),
               " bytes (1 to ", kMaxStoreKey, " allowed)");
}

// add()'s counter is stored as decimal text, so get() reads it as torch's store does.
bool parse_counter(const std::vector<char>& v, int64_t& out) {
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && end == v.data() + v.size();
}

}  // namespace

// One thread accepting and one per connection. A connection's thread shuts its socket when it
// ends (the client sees the close), and the next accept reaps it; the destructor shuts every
// socket and joins every thread.
class StoreServer {
 public:
  explicit StoreServer(uint16_t port) : listener_(listen_on(port)) {
    accepter_ = std::thread([this] { accept_loop(); });
  }
  ~StoreServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      listener_.shutdown();
      for (auto& c : connections_) c->socket.shutdown();
    }
    accepter_.join();
    for (auto& c : connections_) c->thread.join();
  }
  uint16_t port() const { return local_port(listener_); }

 private:
  struct Connection {
    Socket socket;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop() {
    for (;;) {
      Socket s = accept_from(listener_);
      std::lock_guard lock(mutex_);
      if (!s.valid() || stopping_) return;
      std::erase_if(connections_, [](const std::unique_ptr<Connection>& c) {
        if (!c->done) return false;
        c->thread.join();
        return true;
      });
      auto c = std::make_unique<Connection>();
      c->socket = std::move(s);
      Connection* conn = c.get();
      c->thread = std::thread([this, conn] {
        try {
          serve_store_connection(conn->socket, data_);
        } catch (const std::exception&) {
          // A client that vanished mid-request: its rank fails on its own side.
        }
        conn->socket.shutdown();
        conn->done = true;
      });
      connections_.push_back(std::move(c));
    }
  }

  Socket listener_;
  StoreData data_;
  std::mutex mutex_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::thread accepter_;
};

void serve_store_connection(const Socket& c, StoreData& data) {
  for (;;) {
    char op;
    if (!recv_all(c, &op, 1, kNoDeadline)) return;
    std::vector<char> reply;
    if (op == 'C') {
      uint32_t n;
      if (!get_u32(c, n, kNoDeadline) || n > kMaxStoreCheckKeys) return;
      std::vector<std::string> keys(n);
      for (auto& k : keys)
        if (!get_key(c, k, kNoDeadline)) return;
      std::lock_guard lock(data.mutex);
      for (auto& k : keys) reply.push_back(data.values.count(k) ? 1 : 0);
    } else {
      std::string key;
      if (!get_key(c, key, kNoDeadline) || key.empty()) return;
      if (op == 'S') {
        std::vector<char> value;
        if (!get_bytes(c, value, kMaxStoreValue, kNoDeadline)) return;
        std::lock_guard lock(data.mutex);
        auto it = data.values.find(key);
        size_t before = it == data.values.end() ? 0 : key.size() + it->second.size();
        if (data.bytes - before + key.size() + value.size() > kMaxStoreBytes) return;
        data.bytes = data.bytes - before + key.size() + value.size();
        data.values[key] = std::move(value);
        reply.push_back(1);
      } else if (op == 'G') {
        std::lock_guard lock(data.mutex);
        auto it = data.values.find(key);
        reply.push_back(it != data.values.end() ? 1 : 0);
        if (it != data.values.end()) put_bytes(reply, it->second.data(), it->second.size());
      } else if (op == 'A') {
        int64_t delta = get_i64(c, kNoDeadline);
        std::lock_guard lock(data.mutex);
        auto& v = data.values[key];
        int64_t now = 0;
        if ((!v.empty() && !parse_counter(v, now)) || __builtin_add_overflow(now, delta, &now)) {
          if (v.empty()) data.values.erase(key);
          return;  // not a counter, or it would overflow: the client sees the connection close
        }
        size_t before = v.empty() ? 0 : key.size() + v.size();
        std::string text = std::to_string(now);
        if (data.bytes - before + key.size() + text.size() > kMaxStoreBytes) {
          if (v.empty()) data.values.erase(key);
          return;
        }
        data.bytes = data.bytes - before + key.size() + text.size();
        v.assign(text.begin(), text.end());
        put_i64(reply, now);
      } else {
        return;
      }
    }
    send_all(c, reply.data(), reply.size(), Clock::now() + std::chrono::seconds(30));
  }
}

TcpStore::TcpStore(const std::string& host, uint16_t port, bool serve,
                   std::chrono::milliseconds timeout)
    : timeout_(timeout), port_(port) {
  if (serve) {
    server_ = std::make_unique<StoreServer>(port);
    port_ = server_->port();
  }
  socket_ = connect_to(serve ? "127.0.0.1" : host, port_, Clock::now() + timeout_);
}

TcpStore::~TcpStore() = default;

template <typename Fn>
auto TcpStore::request(Fn&& fn) {
  std::lock_guard lock(mutex_);
  try {
    return fn(Clock::now() + timeout_);
  } catch (const Error& e) {
    TESSEL_FAIL("dist: the rendezvous store on port ", port_,
                " stopped answering (rank 0 exited, or refused the request): ", e.what());
  }
}

void TcpStore::set(const std::string& key, const std::vector<char>& value) {
  check_key(key);
  TESSEL_CHECK(value.size() <= kMaxStoreValue, "dist: store value for '", key, "' of ",
               value.size(), " bytes (at most ", kMaxStoreValue, ")");
  request([&](Clock::time_point deadline) {
    std::vector<char> msg{'S'};
    put_bytes(msg, key.data(), key.size());
    put_bytes(msg, value.data(), value.size());
    send_all(socket_, msg.data(), msg.size(), deadline);
    char ok;
    TESSEL_CHECK(recv_all(socket_, &ok, 1, deadline) && ok == 1, "the store refused key '", key,
                 "' (full)");
  });
}

std::vector<char> TcpStore::get(const std::string& key) {
  check_key(key);
  auto missing = wait_for({key}, timeout_);
  TESSEL_CHECK(missing.empty(), "dist: store key '", key, "' was not set within ",
               timeout_.count() / 1000.0, " s");
  return request([&](Clock::time_point deadline) {
    std::vector<char> msg{'G'};
    put_bytes(msg, key.data(), key.size());
    send_all(socket_, msg.data(), msg.size(), deadline);
    char found;
    std::vector<char> value;
    TESSEL_CHECK(recv_all(socket_, &found, 1, deadline) && found == 1 &&
                     get_bytes(socket_, value, kMaxStoreValue, deadline),
                 "the store lost key '", key, "'");
    return value;
  });
}

int64_t TcpStore::add(const std::string& key, int64_t delta) {
  check_key(key);
  return request([&](Clock::time_point deadline) {
    std::vector<char> msg{'A'};
    put_bytes(msg, key.data(), key.size());
    put_i64(msg, delta);
    send_all(socket_, msg.data(), msg.size(), deadline);
    return get_i64(socket_, deadline);
  });
}

std::vector<bool> TcpStore::check(const std::vector<std::string>& keys) {
  TESSEL_CHECK(keys.size() <= kMaxStoreCheckKeys, "dist: store check of ", keys.size(),
               " keys (at most ", kMaxStoreCheckKeys, ")");
  for (auto& k : keys) check_key(k);
  return request([&](Clock::time_point deadline) {
    std::vector<char> msg{'C'};
    put_u32(msg, static_cast<uint32_t>(keys.size()));
    for (auto& k : keys) put_bytes(msg, k.data(), k.size());
    send_all(socket_, msg.data(), msg.size(), deadline);
    std::vector<char> present(keys.size());
    TESSEL_CHECK(keys.empty() || recv_all(socket_, present.data(), present.size(), deadline),
                 "the store closed the connection");
    return std::vector<bool>(present.begin(), present.end());
  });
}

std::vector<std::string> TcpStore::wait_for(const std::vector<std::string>& keys,
                                            std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    auto present = check(keys);
    std::vector<std::string> missing;
    for (size_t i = 0; i < keys.size(); ++i)
      if (!present[i]) missing.push_back(keys[i]);
    if (missing.empty() || Clock::now() >= deadline) return missing;
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - Clock::now()));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

std::string TcpStore::new_prefix(const std::string& what) {
  std::lock_guard lock(mutex_);
  return what + "/" + std::to_string(prefixes_++) + "/";
}

}  // namespace tessel::dist
