#include "pmacct/flow/templates_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#if PMACCT_HAVE_JANSSON
#include <jansson.h>
#endif

namespace pmacct::flow {

#if PMACCT_HAVE_JANSSON
namespace {

struct JsonRef {
    json_t* j;
    explicit JsonRef(json_t* p) : j(p) {}
    ~JsonRef() { json_decref(j); }
    JsonRef(const JsonRef&) = delete;
    JsonRef& operator=(const JsonRef&) = delete;
};

json_int_t int_of(const json_t* o, const char* key, json_int_t fallback = -1) {
    const json_t* v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

bool in_range(json_int_t v, json_int_t max) { return v >= 0 && v <= max; }

// Ours: "fields": [[element, length, pen], ...].
bool read_our_fields(const json_t* fields, Template& t) {
    std::size_t i = 0;
    const json_t* f = nullptr;
    json_array_foreach(fields, i, f) {
        if (!json_is_array(f) || json_array_size(f) != 3) return false;
        const json_int_t type = json_integer_value(json_array_get(f, 0));
        const json_int_t length = json_integer_value(json_array_get(f, 1));
        const json_int_t pen = json_integer_value(json_array_get(f, 2));
        if (!in_range(type, 0xFFFF) || !in_range(length, 65535) || !in_range(pen, 0xFFFFFFFFLL)) return false;
        t.fields.push_back(TemplateField{static_cast<std::uint16_t>(type), static_cast<std::uint16_t>(length),
                                         static_cast<std::uint32_t>(pen)});
    }
    return !t.fields.empty();
}

// pmacct's data templates: "list" of {"type": 0, "otpl": {"tpl_index": element, "tpl_len": length}}
// (enterprise elements as "utpl" with "pen" and "type"), in template order.
bool read_pmacct_list(const json_t* list, Template& t) {
    std::size_t i = 0;
    const json_t* e = nullptr;
    json_array_foreach(list, i, e) {
        const json_t* o = json_object_get(e, "otpl");
        const json_t* u = json_object_get(e, "utpl");
        TemplateField f;
        if (json_is_object(o)) {
            const json_int_t type = int_of(o, "tpl_index");
            const json_int_t length = int_of(o, "tpl_len", int_of(o, "len"));
            if (!in_range(type, 0xFFFF) || !in_range(length, 65535)) return false;
            f.type = static_cast<std::uint16_t>(type);
            f.length = static_cast<std::uint16_t>(length);
        } else if (json_is_object(u)) {
            const json_int_t type = int_of(u, "type");
            const json_int_t length = int_of(u, "tpl_len", int_of(u, "len"));
            const json_int_t pen = int_of(u, "pen", 0);
            if (!in_range(type, 0x7FFF) || !in_range(length, 65535) || !in_range(pen, 0xFFFFFFFFLL)) return false;
            f.type = static_cast<std::uint16_t>(type);
            f.length = static_cast<std::uint16_t>(length);
            f.pen = static_cast<std::uint32_t>(pen);
        } else {
            return false;
        }
        t.fields.push_back(f);
    }
    return !t.fields.empty();
}

// pmacct's options templates: "tpl" of {"type", "off", "len"}, sorted by element: the record
// layout is the order of the offsets.
bool read_pmacct_tpl(const json_t* tpl, Template& t) {
    struct At {
        json_int_t off;
        TemplateField f;
    };
    std::vector<At> fields;
    std::size_t i = 0;
    const json_t* e = nullptr;
    json_array_foreach(tpl, i, e) {
        const json_int_t type = int_of(e, "type");
        const json_int_t off = int_of(e, "off");
        const json_int_t length = int_of(e, "len");
        if (!in_range(type, 0xFFFF) || !in_range(off, 65535) || !in_range(length, 65535)) return false;
        fields.push_back({off, TemplateField{static_cast<std::uint16_t>(type), static_cast<std::uint16_t>(length), 0}});
    }
    std::sort(fields.begin(), fields.end(), [](const At& a, const At& b) { return a.off < b.off; });
    json_int_t expected = 0;
    for (const At& a : fields) {
        if (a.off != expected) return false;  // a gap: fields pmacct did not keep
        expected += a.f.length;
        t.fields.push_back(a.f);
    }
    return !t.fields.empty();
}

}  // namespace

bool templates_file_supported() { return true; }

Result<void> save_templates(const TemplateDecoder& decoder, const std::string& path) {
    std::string out;
    decoder.for_each_template([&](const TemplateKey& key, const Template& t) {
        JsonRef o(json_object());
        json_object_set_new(o.j, "agent", json_string(key.exporter.address.to_string().c_str()));
        json_object_set_new(o.j, "source_id", json_integer(key.exporter.source_id));
        json_object_set_new(o.j, "template_id", json_integer(t.id));
        json_object_set_new(o.j, "template_type", json_integer(t.options ? 1 : 0));
        json_object_set_new(o.j, "version", json_integer(key.version));
        json_object_set_new(o.j, "scope_fields", json_integer(t.scope_fields));
        json_t* fields = json_array();
        for (const TemplateField& f : t.fields) {
            json_array_append_new(fields, json_pack("[iiI]", f.type, f.length, static_cast<json_int_t>(f.pen)));
        }
        json_object_set_new(o.j, "fields", fields);
        char* text = json_dumps(o.j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (text != nullptr) {
            out += text;
            out += '\n';
            std::free(text);
        }
    });
    // Written beside, then renamed over: a reader never sees half a file.
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        if (!f) return fail(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
        f << out;
        f.flush();
        if (!f) return fail(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return fail(fmt::format("cannot replace '{}': {}", path, why));
    }
    return ok();
}

Result<TemplatesLoaded> load_templates(TemplateDecoder& decoder, const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        if (errno == ENOENT) return TemplatesLoaded{};
        return fail(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_templates(decoder, text.str());
}

TemplatesLoaded parse_templates(TemplateDecoder& decoder, std::string_view text) {
    TemplatesLoaded loaded;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty()) continue;
        json_error_t error;
        JsonRef o(json_loadb(line.data(), line.size(), 0, &error));
        TemplateKey key;
        Template t;
        const json_t* agent = json_object_get(o.j, "agent");
        const json_int_t source_id = int_of(o.j, "source_id");
        const json_int_t id = int_of(o.j, "template_id");
        const json_int_t type = int_of(o.j, "template_type", 0);
        const json_int_t version = int_of(o.j, "version", 0);
        if (!json_is_object(o.j) || !json_is_string(agent) ||
            !IpAddress::parse(json_string_value(agent), key.exporter.address) || !in_range(source_id, 0xFFFFFFFFLL) ||
            !in_range(id, 0xFFFF) || (type != 0 && type != 1) || (version != 0 && version != 9 && version != 10)) {
            ++loaded.skipped;
            continue;
        }
        key.exporter.source_id = static_cast<std::uint32_t>(source_id);
        key.id = static_cast<std::uint16_t>(id);
        t.id = key.id;
        t.options = type == 1;
        bool read = false;
        if (const json_t* fields = json_object_get(o.j, "fields"); json_is_array(fields)) {
            read = read_our_fields(fields, t);
            const json_int_t scope = int_of(o.j, "scope_fields", 0);
            read = read && in_range(scope, static_cast<json_int_t>(t.fields.size()));
            t.scope_fields = static_cast<std::uint16_t>(std::max<json_int_t>(scope, 0));
            t.v9_scopes = t.options && version == 9;
        } else {
            // pmacct 1.7 writes the template id in network byte order.
            key.id = static_cast<std::uint16_t>((key.id >> 8) | (key.id << 8));
            t.id = key.id;
            if (const json_t* list = json_object_get(o.j, "list"); json_is_array(list)) {
                read = read_pmacct_list(list, t);
            } else if (const json_t* tpl = json_object_get(o.j, "tpl"); json_is_array(tpl)) {
                read = read_pmacct_tpl(tpl, t);
            }
        }
        if (!read) {
            ++loaded.skipped;
            continue;
        }
        bool installed = false;
        for (const std::uint8_t v : {std::uint8_t{9}, std::uint8_t{10}}) {
            if (version != 0 && version != v) continue;
            key.version = v;
            installed = decoder.install_template(key, t) || installed;
        }
        if (installed) {
            ++loaded.installed;
        } else {
            ++loaded.skipped;
        }
    }
    return loaded;
}

#else

bool templates_file_supported() { return false; }

Result<void> save_templates(const TemplateDecoder&, const std::string&) {
    return fail("templates files need jansson, which this build does not include");
}

Result<TemplatesLoaded> load_templates(TemplateDecoder&, const std::string&) {
    return fail("templates files need jansson, which this build does not include");
}

TemplatesLoaded parse_templates(TemplateDecoder&, std::string_view) { return {}; }

#endif

}  // namespace pmacct::flow
