// squall/squall.hpp: the umbrella header, and what tools/amalgamate.py starts from.
// Includes every public squall header except contrib/ adapters.
#pragma once

#include <squall/config.hpp>
#include <squall/version.hpp>
#include <squall/close_code.hpp>
#include <squall/error.hpp>
#include <squall/request.hpp>

#include <squall/protocol/frame.hpp>
#include <squall/protocol/utf8.hpp>
#include <squall/protocol/frame_parser.hpp>
#include <squall/protocol/message_assembler.hpp>
#include <squall/protocol/close_frame.hpp>
#include <squall/protocol/http_parser.hpp>
#include <squall/protocol/handshake.hpp>
#include <squall/protocol/response_writer.hpp>
#include <squall/protocol/connection_core.hpp>

#include <squall/policies.hpp>
#include <squall/message.hpp>
#include <squall/endpoint.hpp>
#include <squall/server_options.hpp>
#include <squall/handler.hpp>
#include <squall/engine.hpp>
#include <squall/connection.hpp>
#include <squall/server.hpp>
