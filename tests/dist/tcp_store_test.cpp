#include "dist/tcp_store.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include "core/error.h"

namespace tessel::dist {
namespace {

using std::chrono::milliseconds;

std::vector<char> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

TEST(TcpStore, SetGetAddCheckAcrossClients) {
  TcpStore server("127.0.0.1", 0, true, milliseconds(5000));
  TcpStore client("127.0.0.1", server.port(), false, milliseconds(5000));
  server.set("a", bytes("hello"));
  EXPECT_EQ(client.get("a"), bytes("hello"));
  client.set("a", bytes(""));  // overwrite, empty value
  EXPECT_EQ(server.get("a"), bytes(""));
  EXPECT_EQ(client.add("n", 5), 5);
  EXPECT_EQ(server.add("n", -2), 3);
  EXPECT_EQ(client.get("n"), bytes("3"));  // counters read as decimal text, as torch's store
  EXPECT_EQ(client.check({"a", "missing", "n"}), (std::vector<bool>{true, false, true}));
  std::vector<char> big(1 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  client.set("big", big);
  EXPECT_EQ(server.get("big"), big);
  EXPECT_EQ(client.new_prefix("gloo"), "gloo/0/");
  EXPECT_EQ(client.new_prefix("gloo"), "gloo/1/");
}

TEST(TcpStore, GetWaitsForAKeySetLater) {
  TcpStore server("127.0.0.1", 0, true, milliseconds(5000));
  TcpStore client("127.0.0.1", server.port(), false, milliseconds(5000));
  std::thread late([&] {
    std::this_thread::sleep_for(milliseconds(100));
    server.set("late", bytes("x"));
  });
  EXPECT_EQ(client.get("late"), bytes("x"));
  late.join();
}

TEST(TcpStore, TimeoutsNameTheMissingKeys) {
  TcpStore server("127.0.0.1", 0, true, milliseconds(200));
  server.set("here", bytes("1"));
  auto start = Clock::now();
  auto missing = server.wait_for({"here", "gone1", "gone2"}, milliseconds(150));
  EXPECT_EQ(missing, (std::vector<std::string>{"gone1", "gone2"}));
  EXPECT_GE(Clock::now() - start, milliseconds(150));
  try {
    server.get("never");
    FAIL() << "get of a key nobody sets returned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'never' was not set"), std::string::npos) << e.what();
  }
}

TEST(TcpStore, ClientFailsClearlyWithoutAServer) {
  Socket probe = listen_on(0);
  uint16_t port = local_port(probe);
  probe = Socket();  // nobody listens there now
  try {
    TcpStore client("127.0.0.1", port, false, milliseconds(200));
    FAIL() << "connected to a closed port";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("could not connect to 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << e.what();
  }
}

TEST(TcpStore, ArgumentChecksNameTheKey) {
  TcpStore server("127.0.0.1", 0, true, milliseconds(1000));
  EXPECT_THROW(server.set("", bytes("x")), Error);
  EXPECT_THROW(server.set(std::string(kMaxStoreKey + 1, 'k'), bytes("x")), Error);
  try {
    server.set("huge", std::vector<char>(kMaxStoreValue + 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'huge'"), std::string::npos) << e.what();
  }
}

// Raw requests that break the format: the server drops that connection, allocates nothing the
// lengths ask for, and keeps serving everyone else.
TEST(TcpStore, ServerSurvivesMalformedRequests) {
  TcpStore server("127.0.0.1", 0, true, milliseconds(2000));
  const std::vector<std::string> attacks = {
      std::string("X\1\0\0\0k", 6),                   // unknown op
      std::string("S\xff\xff\xff\xff", 5),            // a 4 GiB key
      std::string("S\1\0\0\0k\xff\xff\xff\x7f", 10),  // a 2 GiB value
      std::string("C\xff\xff\xff\xff", 5),            // 4 billion keys to check
      std::string("A\0\0\0\0", 5),                    // an empty key
      std::string("G\5\0\0\0ab", 7),                  // a key cut short, then the peer closes
  };
  for (const auto& attack : attacks) {
    Socket s = connect_to("127.0.0.1", server.port(), Clock::now() + milliseconds(1000));
    send_all(s, attack.data(), attack.size(), Clock::now() + milliseconds(1000));
    ::shutdown(s.fd(), SHUT_WR);
    char c;
    EXPECT_FALSE(recv_all(s, &c, 1, Clock::now() + milliseconds(2000)))
        << "the server answered a malformed request";
  }
  // add() on a value that is not a counter, and one that would overflow, are refused.
  server.set("text", bytes("abc"));
  {
    TcpStore other("127.0.0.1", server.port(), false, milliseconds(1000));
    EXPECT_THROW(other.add("text", 1), Error);
  }
  {
    TcpStore other("127.0.0.1", server.port(), false, milliseconds(1000));
    other.add("counter", INT64_MAX);
    EXPECT_THROW(other.add("counter", 1), Error);
  }
  TcpStore fine("127.0.0.1", server.port(), false, milliseconds(1000));
  fine.set("ok", bytes("yes"));
  EXPECT_EQ(server.get("ok"), bytes("yes"));
  EXPECT_EQ(server.get("counter"), bytes(std::to_string(INT64_MAX)));
}

}  // namespace
}  // namespace tessel::dist
