// Runs a libFuzzer target without libFuzzer: every file of the seed corpus, then deterministic
// mutations of each (bit flips, truncations, byte stores, splices), so that CTest checks the
// decoder on hostile input in every build. The real fuzzer is built with -DPMACCT_FUZZ=ON (clang).
//   corpus_driver <seed directory> [mutations per seed]
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const unsigned long mutations = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20000;
    std::vector<std::vector<std::uint8_t>> seeds;
    if (DIR* d = ::opendir(argv[1])) {
        while (auto* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            std::ifstream in(std::string(argv[1]) + "/" + e->d_name, std::ios::binary);
            seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        ::closedir(d);
    }
    if (seeds.empty()) {
        std::fprintf(stderr, "no seeds in %s\n", argv[1]);
        return 1;
    }
    std::uint64_t state = 0x1234567;
    auto rnd = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    unsigned long runs = 0;
    for (const auto& seed : seeds) {
        LLVMFuzzerTestOneInput(seed.data(), seed.size());
        for (unsigned long m = 0; m < mutations; ++m) {
            std::vector<std::uint8_t> x = seed;
            switch (rnd() % 4) {
                case 0:
                    if (!x.empty()) x[rnd() % x.size()] ^= static_cast<std::uint8_t>(1U << (rnd() % 8));
                    break;
                case 1: x.resize(x.empty() ? 0 : rnd() % x.size()); break;
                case 2:
                    if (!x.empty()) x[rnd() % x.size()] = static_cast<std::uint8_t>(rnd());
                    break;
                default: {
                    const auto& other = seeds[rnd() % seeds.size()];
                    x.insert(x.end(), other.begin(), other.begin() + static_cast<long>(other.size() / 2));
                    break;
                }
            }
            LLVMFuzzerTestOneInput(x.data(), x.size());
            ++runs;
        }
    }
    std::printf("%lu inputs, no crash\n", runs + seeds.size());
    return 0;
}
