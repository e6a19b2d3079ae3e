// squall/policy/admission.hpp: the admission role (DESIGN §1 "Admission", §3): before the 101,
// accept (subprotocol, headers, user data) or reject (status, headers, body), now or later from
// any thread. Standard library only: no Asio, so the asynchronous form uses a squall callback.
#pragma once

#include <squall/policy/roles.hpp>
#include <squall/request.hpp>

#include <any>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace squall::inline v0::detail {

/// Header fields owned as strings, with header_field views into them for the response writer.
/// Moving keeps the views valid (a vector move hands over its buffer, so no string moves);
/// copying rebuilds them. Empty: no allocation.
class owned_headers {
public:
    owned_headers() noexcept = default;
    owned_headers(const owned_headers& other) : strings_(other.strings_) { fields_ = views_of(strings_); }
    owned_headers(owned_headers&&) noexcept = default;
    owned_headers& operator=(const owned_headers& other) {
        if (this != &other) {
            std::vector<std::string> strings = other.strings_;
            std::vector<header_field> fields = views_of(strings);
            strings_ = std::move(strings); // moves keep the views in `fields` valid
            fields_ = std::move(fields);
        }
        return *this;
    }
    owned_headers& operator=(owned_headers&&) noexcept = default;
    ~owned_headers() = default;

    /// Appends one field (strong guarantee: on an exception nothing changes).
    void add(std::string_view name, std::string_view value) {
        std::string n{name};
        std::string v{value};
        std::vector<header_field> fields;
        fields.reserve(fields_.size() + 1);
        strings_.reserve(strings_.size() + 2); // may move the strings: views are rebuilt below
        strings_.push_back(std::move(n));      // no reallocation, no throw from here on
        strings_.push_back(std::move(v));
        for (std::size_t i = 0; i < strings_.size(); i += 2) fields.push_back({strings_[i], strings_[i + 1]});
        fields_ = std::move(fields);
    }

    std::span<const header_field> fields() const noexcept { return fields_; }
    bool empty() const noexcept { return strings_.empty(); }

private:
    static std::vector<header_field> views_of(const std::vector<std::string>& strings) {
        std::vector<header_field> fields;
        fields.reserve(strings.size() / 2);
        for (std::size_t i = 0; i + 1 < strings.size(); i += 2) fields.push_back({strings[i], strings[i + 1]});
        return fields;
    }

    std::vector<std::string> strings_; // name, value, name, value, ...
    std::vector<header_field> fields_; // views into strings_
};

} // namespace squall::inline v0::detail

namespace squall::inline v0 {

/// An accepted upgrade: the subprotocol chosen from those the client offered (empty: none),
/// extra headers for the 101 (e.g. Set-Cookie), and user data handed to the handler factory.
/// Built fluently: `squall::accept{}.subprotocol("chat.v2").header("Set-Cookie", "sid=1")`.
/// The server answers 500 instead of 101 (handshake_error::bad_admission_result) when the
/// subprotocol was not offered or a header is malformed or one squall writes itself.
/// `accept{}` allocates nothing.
class accept {
public:
    accept() noexcept = default;

    accept& subprotocol(std::string_view name) & {
        subprotocol_.assign(name);
        return *this;
    }
    accept subprotocol(std::string_view name) && { return std::move(subprotocol(name)); }

    accept& header(std::string_view name, std::string_view value) & {
        headers_.add(name, value);
        return *this;
    }
    accept header(std::string_view name, std::string_view value) && { return std::move(header(name, value)); }

    accept& user_data(std::any data) & {
        user_data_ = std::move(data);
        return *this;
    }
    accept user_data(std::any data) && { return std::move(user_data(std::move(data))); }

    std::string_view subprotocol() const noexcept { return subprotocol_; }
    /// Views into strings this object owns: valid while it lives and is not modified.
    std::span<const header_field> headers() const noexcept { return headers_.fields(); }
    const std::any& user_data() const& noexcept { return user_data_; }
    std::any& user_data() & noexcept { return user_data_; }
    std::any user_data() && noexcept { return std::move(user_data_); }

private:
    std::string subprotocol_;
    detail::owned_headers headers_;
    std::any user_data_;
};

/// A refused upgrade: the HTTP status, extra headers and a body (sent as text/plain unless a
/// Content-Type header is given). The status is kept as given; the server answers with
/// response_status(), which is 500 for a status outside 300..599 (a 1xx or 2xx would tell the
/// client something other than "refused").
class reject {
public:
    explicit reject(int status, std::string body = {}) noexcept : status_{status}, body_{std::move(body)} {}

    reject& header(std::string_view name, std::string_view value) & {
        headers_.add(name, value);
        return *this;
    }
    reject header(std::string_view name, std::string_view value) && { return std::move(header(name, value)); }

    int status() const noexcept { return status_; }
    /// The status the server answers with: status() when in 300..599, else 500.
    int response_status() const noexcept { return status_ >= 300 && status_ <= 599 ? status_ : 500; }
    /// Views into strings this object owns: valid while it lives and is not modified.
    std::span<const header_field> headers() const noexcept { return headers_.fields(); }
    std::string_view body() const noexcept { return body_; }

private:
    int status_;
    std::string body_;
    detail::owned_headers headers_;
};

/// The outcome of admission: an accept or a reject. Default-constructed, it is `accept{}`.
class admission {
public:
    admission() noexcept = default;
    admission(accept a) noexcept : result_{std::in_place_index<0>, std::move(a)} {} // NOLINT: implicit by design
    admission(reject r) noexcept : result_{std::in_place_index<1>, std::move(r)} {} // NOLINT: implicit by design

    bool accepted() const noexcept { return result_.index() == 0; }

    /// The accept; throws std::bad_variant_access when the request was rejected.
    const accept& as_accept() const& { return std::get<0>(result_); }
    accept& as_accept() & { return std::get<0>(result_); }
    accept&& as_accept() && { return std::get<0>(std::move(result_)); }
    /// The reject; throws std::bad_variant_access when the request was accepted.
    const reject& as_reject() const& { return std::get<1>(result_); }
    reject& as_reject() & { return std::get<1>(result_); }
    reject&& as_reject() && { return std::get<1>(std::move(result_)); }

private:
    std::variant<accept, reject> result_;
};

} // namespace squall::inline v0

namespace squall::inline v0::detail {

/// Where an asynchronous admission result goes. The server implements it (posting to the
/// connection's thread); complete() may run on any thread, also during admit() itself, and
/// is called exactly once per admission_callback family.
struct admission_sink {
    virtual void complete(admission result) = 0;
    virtual ~admission_sink() = default;
};

} // namespace squall::inline v0::detail

namespace squall::inline v0 {

/// What an asynchronous admission policy calls with its decision: `cb(squall::accept{})`.
/// Copyable (copies share one state) and callable from any thread; only the first call among
/// all copies counts, later calls are ignored. If every copy is destroyed without a call, the
/// request is rejected with 500 "The admission policy dropped the request." so it never hangs.
class admission_callback {
public:
    /// Built by squall. Throws std::invalid_argument for a null sink.
    explicit admission_callback(std::shared_ptr<detail::admission_sink> sink)
        : state_{std::make_shared<state>(std::move(sink))} {}

    /// Delivers the decision on the first call; does nothing on later ones.
    void operator()(admission result) const {
        if (state_->done.exchange(true, std::memory_order_acq_rel)) return;
        std::shared_ptr<detail::admission_sink> sink = std::move(state_->sink); // only the winner gets here
        sink->complete(std::move(result));
    }

private:
    struct state {
        explicit state(std::shared_ptr<detail::admission_sink> s) : sink{std::move(s)} {
            if (!sink) throw std::invalid_argument("An admission_callback needs a non-null admission_sink.");
        }
        state(const state&) = delete;
        state& operator=(const state&) = delete;
        // The last copy is gone: shared_ptr's release ordering makes every call visible here.
        ~state() {
            if (done.load(std::memory_order_relaxed) || !sink) return;
            try {
                sink->complete(reject{500, "The admission policy dropped the request."});
            } catch (...) {
                // A destructor must not throw; the sink's own deadline is the last resort.
            }
        }
        std::atomic<bool> done{false};
        std::shared_ptr<detail::admission_sink> sink;
    };
    std::shared_ptr<state> state_;
};

// --- concepts -------------------------------------------------------------------------------

/// `admission admit(const request_view&) const`: decides at once. The request_view (and every
/// view it gives) is valid only during the call.
template <class P>
concept sync_admission_policy = requires(const P& p, const request_view& req) {
    { p.admit(req) } -> std::same_as<admission>;
};

/// `void admit(const request_view&, admission_callback) const`: decides later by calling the
/// callback once, from any thread. The request_view is valid only during the call: copy what
/// the decision needs (a token, a header) before returning.
template <class P>
concept async_admission_policy = requires(const P& p, const request_view& req, admission_callback&& cb) {
    { p.admit(req, std::move(cb)) } -> std::same_as<void>;
};

/// Either form. Policies are const because the server calls them concurrently from its threads
/// (keep mutable state behind a mutex or atomics). Give a policy one form only: the server
/// prefers the asynchronous one when a type has both.
template <class P>
concept admission_policy = sync_admission_policy<P> || async_admission_policy<P>;

// --- default --------------------------------------------------------------------------------

/// Accepts every valid upgrade: no subprotocol, no extra headers, no user data.
struct admit_all {
    using policy_role = admission_role;

    admission admit(const request_view&) const noexcept { return {}; }
    friend constexpr bool operator==(admit_all, admit_all) noexcept = default;
};

} // namespace squall::inline v0
