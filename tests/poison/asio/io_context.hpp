// Poison: tests of Asio-free code put tests/poison first on the include path (DESIGN §2).
// The CMake build also mirrors every header of the installed Asio next to these.
#error "squall: protocol/ and the core must not include Asio"
