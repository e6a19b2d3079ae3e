// squall/policies.hpp: every policy role (tags, concepts, defaults, stock alternatives) and
// policy_pack, in one include. Standard library only: it must never reach Asio.
#pragma once

#include <squall/policy/roles.hpp>
#include <squall/policy/origin.hpp>
#include <squall/policy/admission.hpp>
#include <squall/policy/ping.hpp>
#include <squall/policy/size_limit.hpp>
#include <squall/policy/json.hpp>
#include <squall/policy/select.hpp>
