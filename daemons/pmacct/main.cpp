// pmacct: the client of the memory plugin.
#include "pmacct/app/daemon_main.hpp"

int main(int argc, char** argv) { return pmacct::app::client_main(argc, argv); }
