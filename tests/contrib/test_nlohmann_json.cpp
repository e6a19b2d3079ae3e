// Tests for contrib/nlohmann_json.hpp: the adapter models the JSON-encoder role, encodes what
// nlohmann::json can (including user types with to_json), and maps its exceptions to
// error::json_encode_failed with `out` left as it was.
#include <squall/contrib/nlohmann_json.hpp>
#include <squall/policy/select.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace contrib_test {

struct point {
    int x = 0;
    int y = 0;
};
void to_json(nlohmann::json& j, const point& p) { j = nlohmann::json{{"x", p.x}, {"y", p.y}}; }

} // namespace contrib_test

TEST_CASE("nlohmann_json: models the JSON encoder role", "[contrib][json]") {
    STATIC_REQUIRE(squall::json_encoder_policy<squall::nlohmann_json>);
    STATIC_REQUIRE(squall::json_enabled_v<squall::nlohmann_json>);
    STATIC_REQUIRE(std::is_same_v<squall::nlohmann_json::policy_role, squall::json_role>);
    STATIC_REQUIRE(std::is_same_v<squall::policy_pack<squall::no_ping, squall::nlohmann_json>::json_type,
                                  squall::nlohmann_json>);
    STATIC_REQUIRE(std::is_empty_v<squall::nlohmann_json>);
}

TEST_CASE("nlohmann_json: encodes standard and user types", "[contrib][json]") {
    const squall::nlohmann_json enc;
    std::string out;
    CHECK_FALSE(enc.encode(std::map<std::string, std::vector<int>>{{"a", {1, 2}}}, out));
    CHECK(out == R"({"a":[1,2]})");
    out.clear();
    CHECK_FALSE(enc.encode(contrib_test::point{3, 4}, out));
    CHECK(out == R"({"x":3,"y":4})");
    out.clear();
    CHECK_FALSE(enc.encode(nlohmann::json::parse(R"({"k":[true,null,"s\n"]})"), out));
    CHECK(out == R"({"k":[true,null,"s\n"]})");
    out = "prefix ";
    CHECK_FALSE(enc.encode(std::string{"caf\xc3\xa9"}, out));
    CHECK(out == "prefix \"caf\xc3\xa9\"");
    out.clear();
    CHECK_FALSE(enc.encode(nullptr, out));
    CHECK(out == "null");
}

TEST_CASE("nlohmann_json: invalid UTF-8 fails and leaves out unchanged", "[contrib][json]") {
    std::string out = "kept";
    CHECK(squall::nlohmann_json{}.encode(std::string{"bad \xff"}, out) == squall::error::json_encode_failed);
    CHECK(out == "kept");
    const std::map<std::string, std::string> nested{{"ok", "fine"}, {"k", "\xc3"}};
    CHECK(squall::nlohmann_json{}.encode(nested, out) == squall::error::json_encode_failed);
    CHECK(out == "kept");
}

TEST_CASE("nlohmann_json: non-finite numbers follow nlohmann and become null", "[contrib][json]") {
    std::string out;
    CHECK_FALSE(squall::nlohmann_json{}.encode(std::numeric_limits<double>::quiet_NaN(), out));
    CHECK(out == "null");
}
