// Templates checked as Meta reviews them, and a send's body rendered.

#include "channels/whatsapp_cloud/template_definition.h"

#include <gtest/gtest.h>

namespace ujumbe::channels::whatsapp {
namespace {

using json = nlohmann::json;

json body(const std::string& text, json examples = nullptr) {
    json c = {{"type", "body"}, {"text", text}};
    if (!examples.is_null()) c["example"] = {{"body_text", json::array({examples})}};
    return c;
}

// Components as a list (a braced single json would not be one).
std::string field_of(const std::vector<json>& components, const std::string& category = "utility",
                     const std::string& name = "order_update") {
    auto r = read_template_definition(name, "en_US", category, json(components));
    const auto* p = std::get_if<OutboundProblem>(&r);
    return p ? p->field : "(accepted)";
}

TEST(TemplateDefinitions, AGoodTemplateIsPutInMetasFormWithItsParameterCounts) {
    json components = {{{"type", "header"},
                        {"format", "text"},
                        {"text", "Oda {{1}}"},
                        {"example", {{"header_text", {"42"}}}}},
                       body("Habari {{1}}, oda {{2}} iko njiani. {{1}}!", {"Asha", "42"}),
                       {{"type", "footer"}, {"text", "Ujumbe"}},
                       {{"type", "buttons"},
                        {"buttons",
                         {{{"type", "url"},
                           {"text", "Fuatilia"},
                           {"url", "https://shop.example/track/{{1}}"},
                           {"example", {"https://shop.example/track/42"}}}}}}};
    auto r = read_template_definition("order_update", "sw", "Utility", components);
    ASSERT_TRUE(std::holds_alternative<TemplateDefinition>(r));
    const auto& d = std::get<TemplateDefinition>(r);
    EXPECT_EQ(d.category, "UTILITY");
    EXPECT_EQ(d.header_parameters, 1);
    EXPECT_EQ(d.body_parameters, 2);  // {{1}} twice is one variable
    EXPECT_EQ(d.components[0]["type"], "HEADER");
    EXPECT_EQ(d.components[0]["format"], "TEXT");
    EXPECT_EQ(d.components[3]["buttons"][0]["type"], "URL");
    EXPECT_EQ(d.body_text, "Habari {{1}}, oda {{2}} iko njiani. {{1}}!");
}

TEST(TemplateDefinitions, WhatMetaWouldRefuseIsNamed) {
    EXPECT_EQ(field_of({body("Hi")}, "utility", "Order"), "name");
    EXPECT_EQ(field_of({body("Hi")}, "service"), "category");
    EXPECT_EQ(field_of({}), "components");
    EXPECT_EQ(field_of({{{"type", "footer"}, {"text", "x"}}}), "components");
    EXPECT_EQ(field_of({body("Hi"), body("Again")}), "components[1].type");
    EXPECT_EQ(field_of({body("Hi {{1}}")}), "components[0].example");
    EXPECT_EQ(field_of({body("Hi {{1}}", {"a", "b"})}), "components[0].example");
    EXPECT_EQ(field_of({body("Hi {{2}}", {"a"})}), "components[0].text");
    EXPECT_EQ(field_of({body("Hi {{name}}", {"a"})}), "components[0].text");
    EXPECT_EQ(field_of({body("Hi {{1}")}), "components[0].text");
    EXPECT_EQ(field_of({body(std::string(1025, 'a'))}), "components[0].text");
    EXPECT_EQ(field_of({{{"type", "header"}, {"format", "IMAGE"}}, body("a")}),
              "components[0].example");
    EXPECT_EQ(
        field_of({{{"type", "header"}, {"format", "TEXT"}, {"text", "{{1}} {{2}}"}}, body("a")}),
        "components[0].text");
    EXPECT_EQ(field_of({body("a"), {{"type", "footer"}, {"text", "Hi {{1}}"}}}),
              "components[1].text");
    EXPECT_EQ(field_of({body("a"), {{"type", "buttons"}, {"buttons", json::array()}}}),
              "components[1].buttons");
    EXPECT_EQ(
        field_of({body("a"),
                  {{"type", "buttons"},
                   {"buttons",
                    {{{"type", "phone_number"}, {"text", "Call"}, {"phone_number", "call me"}}}}}}),
        "components[1].buttons[0].phone_number");
    EXPECT_EQ(
        field_of({body("a"),
                  {{"type", "buttons"},
                   {"buttons",
                    {{{"type", "url"}, {"text", "Go"}, {"url", "https://a.example/{{1}}"}}}}}}),
        "components[1].buttons[0].example");
    EXPECT_EQ(field_of({body("a"), {{"type", "buttons"}, {"buttons", {{{"type", "call"}}}}}}),
              "components[1].buttons[0].type");
    EXPECT_EQ(field_of({"BODY"}), "components[0]");
}

TEST(TemplateDefinitions, ASendsBodyIsRenderedFromItsParameters) {
    json send = {{{"type", "header"}, {"parameters", {{{"type", "text"}, {"text", "H"}}}}},
                 {{"type", "body"},
                  {"parameters",
                   {{{"type", "text"}, {"text", "Asha"}},
                    {{"type", "currency"},
                     {"currency", {{"fallback_value", "TSh 5,000"}, {"code", "TZS"}}}}}}}};
    EXPECT_EQ(render_body("Habari {{1}}, lipa {{2}}. {{1}}{{3}}", send),
              "Habari Asha, lipa TSh 5,000. Asha{{3}}");
    EXPECT_EQ(parameters_given(send, "header"), 1);
    EXPECT_EQ(parameters_given(send, "body"), 2);
    EXPECT_EQ(parameters_given(json::object(), "body"), 0);
    // A value holding a mark is not filled again.
    json tricky = {{{"type", "body"},
                    {"parameters",
                     {{{"type", "text"}, {"text", "{{2}}"}}, {{"type", "text"}, {"text", "x"}}}}}};
    EXPECT_EQ(render_body("{{1}}-{{2}}", tricky), "{{2}}-x");
    json back = {{{"type", "body"},
                  {"parameters",
                   {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "{{1}}"}}}}}};
    EXPECT_EQ(render_body("{{1}}-{{2}} {{", back), "a-{{1}} {{");
}

}  // namespace
}  // namespace ujumbe::channels::whatsapp
