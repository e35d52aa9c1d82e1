// A map of nfacctd reloaded (SIGUSR2) while NetFlow v5 datagrams keep arriving, then made
// unreadable and reloaded again: every record must be accounted, under the first map's value
// until the reload, under the second's after it, and still under the second's after the failed
// reload (the previous map stays in use). For every map that changes what a record shows.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "test_support.hpp"
#include "v5_generator.hpp"

namespace pmacct::testing {

struct MapReloadCase {
    std::string key;        // the map's configuration key: "pre_tag_map", "bgp_peer_src_as_map"
    std::string extra;      // more configuration lines, each ending with a newline
    std::string primitive;  // what the print plugin aggregates on: "tag", "peer_src_as"
    std::string first_map, second_map;      // the map's text before and after the reload
    std::string first_value, second_value;  // what `primitive` shows under each
};

inline void expect_map_reload_loses_nothing(const MapReloadCase& c) {
    TempDir dir;
    const std::string map = dir.path() + "/reloaded.map";
    const std::string out = dir.path() + "/out.csv";
    const std::string log = dir.path() + "/log";
    const std::string conf = dir.path() + "/nfacctd.conf";
    const std::uint16_t port = free_udp_port();
    std::ofstream(map) << c.first_map;
    std::ofstream(conf) << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port << "\n"
                        << c.extra << c.key << ": " << map << "\nplugins: print[p]\nprint_refresh_time: 3600\naggregate[p]: "
                        << c.primitive << "\nprint_output[p]: csv\nprint_output_file[p]: " << out << "\n";
    Daemon d("nfacctd", conf, log);
    ASSERT_TRUE(wait_for([&] { return read_file(log).find("waiting for NetFlow") != std::string::npos; }))
        << read_file(log);
    V5Generator gen(100, 30, 1700000000);
    Sender sender(port);
    std::vector<std::uint8_t> datagram;
    auto send = [&](int datagrams) {
        for (int i = 0; i < datagrams; ++i) {
            gen.next(datagram);
            sender.send(datagram);
            // About 4,000 datagrams a second: well within what the socket buffer absorbs.
            if (i % 4 == 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    };
    send(300);
    const std::uint64_t first = gen.totals().packets;
    // The daemon must have read all of them before the map changes: on a loaded machine the
    // socket buffer can still hold some when SIGUSR2 arrives, and those would take the new value.
    ASSERT_TRUE(wait_for([&] {
        ::kill(d.pid(), SIGUSR1);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return read_file(log).find("packets=300 ") != std::string::npos;
    })) << read_file(log);
    // The old map stays in use until the new one is read; wait for the log to say it was.
    std::ofstream(map) << c.second_map;
    std::atomic<bool> sending{true};
    std::thread steady([&] {
        while (sending) send(10);
    });
    ::kill(d.pid(), SIGUSR2);
    EXPECT_TRUE(wait_for([&] {
        const std::string l = read_file(log);
        return l.find("map successfully (re)loaded") != l.rfind("map successfully (re)loaded");
    })) << read_file(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sending = false;
    steady.join();
    // An unreadable map: reported, the previous one stays.
    ::unlink(map.c_str());
    ::kill(d.pid(), SIGUSR2);
    EXPECT_TRUE(wait_for([&] { return read_file(log).find("keeping the previous map") != std::string::npos; }))
        << read_file(log);
    const std::uint64_t before_last = gen.totals().packets;
    send(100);
    const std::uint64_t last = gen.totals().packets - before_last;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_EQ(d.stop(), 0) << read_file(log);
    const Table t = parse_csv(read_file(out));
    std::map<std::string, std::uint64_t> per_value;
    for (const auto& row : t.rows) per_value[row.at(0)] += std::stoull(row.at(1));
    EXPECT_EQ(per_value.size(), 2U) << read_file(out);  // nothing under any other value
    EXPECT_EQ(per_value[c.first_value] + per_value[c.second_value], gen.totals().packets) << read_file(out);
    EXPECT_GE(per_value[c.first_value], first);
    EXPECT_GE(per_value[c.second_value], last);  // after the failed reload, still the second map
}

}  // namespace pmacct::testing
