//! Import tests on the five seed checklists and on small cases.

use super::*;
use crate::model::{FieldKind, FieldValue, ItemKind, Placement, Template};

const SEEDS: [(&str, &str); 5] = [
    ("ai-avatar-website", include_str!("../../../tests/data/ai-avatar-website.md")),
    ("persona-chat-service", include_str!("../../../tests/data/persona-chat-service.md")),
    ("microservices-platform", include_str!("../../../tests/data/microservices-platform.md")),
    ("prismai-platform", include_str!("../../../tests/data/prismai-platform.md")),
    ("realtime-collab-app", include_str!("../../../tests/data/realtime-collab-app.md")),
];

fn import(name: &str, text: &str) -> Imported {
    import_markdown(text, &ImportOptions { id: name.into(), title: None })
}

fn seed(name: &str) -> Template {
    let (_, text) = SEEDS.iter().find(|(n, _)| *n == name).unwrap();
    import(name, text).template
}

#[test]
fn seeds_classify_as_designed() {
    // The table in DESIGN.md: check items and sign-off roles per seed.
    let expected = [
        ("ai-avatar-website", 167, 4),
        ("persona-chat-service", 138, 3),
        ("microservices-platform", 157, 14),
        ("prismai-platform", 109, 0),
        ("realtime-collab-app", 146, 4),
    ];
    for (name, checks, roles) in expected {
        let counts = seed(name).counts();
        assert_eq!((counts.checks, counts.roles), (checks, roles), "{name}");
    }
}

#[test]
fn seeds_round_trip_through_markdown() {
    for (name, text) in SEEDS {
        let first = import(name, text).template;
        let markdown = template_to_markdown(&first);
        let second = import("other-name", &markdown);
        assert_eq!(second.template, first, "{name}: re-import differs; markdown was:\n{markdown}");
        assert!(second.added_fields.is_empty(), "{name}");
        assert_eq!(template_to_markdown(&second.template), markdown, "{name}: export is not stable");
    }
}

#[test]
fn a_maximum_probe_age_round_trips_through_markdown() {
    let (name, text) = SEEDS[0];
    let mut template = import(name, text).template;
    template.max_probe_age_minutes = 15;
    let markdown = template_to_markdown(&template);
    assert!(markdown.lines().next().unwrap().contains("max-probe-age=15"), "{}", markdown.lines().next().unwrap());
    assert_eq!(import("other-name", &markdown).template.max_probe_age_minutes, 15);
}

#[test]
fn seed_ids_are_unique_and_problem_free() {
    for (name, text) in SEEDS {
        let template = import(name, text).template;
        assert_eq!(template.problems(), [], "{name}");
    }
}

#[test]
fn section_tree_nests_by_heading_level() {
    let template = seed("ai-avatar-website");
    let pre = &template.sections[0];
    assert_eq!(pre.title, "Pre-Deployment (Phase 5d)");
    assert_eq!(pre.sections[0].title, "Code Quality & Testing");
    assert_eq!(pre.sections[0].items[0].text, "All tests passing locally (129/129)");
    let micro = seed("microservices-platform");
    assert_eq!(
        micro.description,
        "This checklist ensures confidence before production deployment by validating all critical components and procedures."
    );
    assert_eq!(micro.sections[0].title, "📋 Pre-Deployment Checklist");
    let testing = &micro.sections[0].sections[1];
    assert_eq!(testing.title, "🧪 Testing Validation");
    assert_eq!(
        testing.sections.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
        ["Integration Tests", "Performance Tests", "Security Tests", "Health Checks"]
    );
}

#[test]
fn nested_tasks_and_numbered_steps() {
    let template = seed("ai-avatar-website");
    let execution = template.find_section("deployment-execution").unwrap();
    let backend = &execution.items[0];
    assert_eq!((backend.text.as_str(), backend.kind), ("Backend deployment initiated", ItemKind::Check));
    assert_eq!(backend.children.len(), 4);
    assert_eq!(backend.children[1].text, "Health check passing");
    let micro = seed("microservices-platform");
    let steps = micro.find_section("deployment-steps").unwrap();
    assert_eq!((steps.items[0].text.as_str(), steps.items[0].kind), ("**Pre-Deployment**", ItemKind::Step));
    assert!(!steps.items[0].required);
    assert_eq!(steps.items[0].children.len(), 4);
    assert_eq!(steps.items[0].children[0].kind, ItemKind::Check);
}

#[test]
fn typed_fields_from_fill_ins() {
    let micro = seed("microservices-platform");
    let duration = micro.fields.iter().find(|f| f.label == "Deployment Duration").unwrap();
    assert_eq!(duration.kind, FieldKind::Number { unit: "minutes".into() });
    assert_eq!(duration.placement, Placement::Section("key-performance-indicators".into()));
    let rollback = micro.fields.iter().find(|f| f.label == "Rollback Time").unwrap();
    assert_eq!((rollback.kind.clone(), rollback.hint.as_str()), (FieldKind::Number { unit: "minutes".into() }, "if applicable"));
    let issues = micro.fields.iter().find(|f| f.label == "Post-Deployment Issues").unwrap();
    assert_eq!((issues.kind.clone(), issues.hint.as_str()), (FieldKind::Text, "_____ critical, _____ major, _____ minor"));
    let contacts = micro.fields.iter().find(|f| f.label == "Emergency Contacts").unwrap();
    assert_eq!(contacts.kind, FieldKind::Table { columns: vec!["Role".into(), "Name".into(), "Email".into(), "Phone".into()] });
    let Some(FieldValue::Table(rows)) = &contacts.default else { panic!() };
    assert_eq!(rows[0], ["Deployment Lead", "", "", ""]);
    assert_eq!(micro.version, "1.0");
    let updated = micro.fields.iter().find(|f| f.label == "Last Updated").unwrap();
    assert_eq!((updated.kind.clone(), updated.default.clone()), (FieldKind::Date, None), "`$(date …)` is a blank");
    assert_eq!(micro.roles.last().unwrap().title, "Approved by");

    let prism = seed("prismai-platform");
    let notes: Vec<(&str, &FieldKind)> =
        prism.fields.iter().filter(|f| f.placement == Placement::Section("notes".into())).map(|f| (f.label.as_str(), &f.kind)).collect();
    assert_eq!(
        notes,
        [
            ("Deployment Date", &FieldKind::Date),
            ("Deployed By", &FieldKind::Text),
            ("Version", &FieldKind::Text),
            ("Environment", &FieldKind::Text),
            ("Special Notes", &FieldKind::MultiLine)
        ]
    );
    // Its blank Version and Environment are what every run must fill in; nothing is added.
    let required: Vec<&str> = prism.fields.iter().filter(|f| f.required).map(|f| f.id.as_str()).collect();
    assert_eq!(required, ["version", "environment"]);
}

#[test]
fn header_and_footer_metadata_become_prefilled_fields() {
    let avatar = seed("ai-avatar-website");
    let header: Vec<(&str, Option<String>)> = avatar
        .fields
        .iter()
        .filter(|f| f.placement == Placement::Header)
        .map(|f| (f.label.as_str(), f.default.as_ref().map(|v| v.to_string())))
        .collect();
    assert_eq!(
        header,
        [
            ("Release version", None),
            ("Project", Some("AI Alex Avatar Website".into())),
            ("Date", Some("February 10, 2026".into())),
            ("Environment", Some("Production (alexpenman.com.au)".into())),
        ]
    );
    let footer: Vec<&str> = avatar.fields.iter().filter(|f| f.placement == Placement::Footer).map(|f| f.label.as_str()).collect();
    assert_eq!(footer, ["Release Date", "Status"]);
    // The document's version is the template's; a footer repeating "Project" stays text.
    assert_eq!(avatar.version, "1.0.0");
    let last = avatar.sections.last().unwrap().items.last().unwrap();
    assert_eq!((last.kind, last.text.as_str()), (ItemKind::Info, "**Project:** AI Alex Avatar"));
    // A label followed by a placeholder code block is a multi-line fill-in.
    let notes = avatar.fields.iter().find(|f| f.label == "Notes").unwrap();
    assert_eq!((notes.kind.clone(), notes.hint.as_str()), (FieldKind::MultiLine, "To be filled after deployment"));
    // Information around them is kept, not mistaken for fields.
    let review = avatar.find_section("post-deployment-review").unwrap();
    assert!(review.items[0].text.starts_with("**Scheduled:** 24 hours after deployment"), "{:?}", review.items[0]);
}

#[test]
fn signoff_roles_in_every_form() {
    let titles = |name: &str| seed(name).roles.iter().map(|r| r.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles("ai-avatar-website"), ["Deployment Manager", "System Owner", "QA Lead", "Incident Commander"]);
    assert_eq!(titles("persona-chat-service"), ["Deployed By", "Reviewed By", "Approved By"]);
    assert_eq!(titles("realtime-collab-app"), ["Product Owner", "DevOps Lead", "Security Lead", "Tech Lead"]);
    let micro = seed("microservices-platform");
    assert_eq!(micro.roles[4].title, "QA Lead");
    assert_eq!(micro.roles[4].meaning, "QA verified");
    assert_eq!(micro.roles[4].placement, Placement::Section("quality-assurance".into()));
    // Prismai's "Deployed By" under Notes is a field, not a role.
    assert!(seed("prismai-platform").roles.is_empty());
}

#[test]
fn mojibake_is_repaired_in_titles() {
    let prism = import("prismai-platform", SEEDS[3].1);
    assert_eq!(prism.template.sections[0].title, "🚀 Pre-Deployment Phase");
    assert_eq!(prism.template.sections[0].sections[0].title, "✅ Environment & Configuration");
    assert_eq!(prism.template.sections[1].title, "Deployment Phase");
    // Nine ✅ and seven emoji repair; 🏥, 📝 and both halves of 🏗️ lost a byte (0x8F, 0x9D).
    assert_eq!((prism.mojibake_repaired, prism.mojibake_dropped), (16, 4));
    let all_text: String = prism.template.all_sections().iter().map(|(_, s)| s.title.clone()).collect();
    assert!(!all_text.contains(['ð', 'Ÿ', 'â', 'ï']), "{all_text}");
}

#[test]
fn no_tasks_imports_as_information_with_a_warning() {
    let imported = import("notes", "# Notes\n\nA description.\n\nJust some text.\n\n- a bullet\n");
    assert_eq!(imported.counts().checks, 0);
    assert_eq!(imported.counts().info, 2);
    assert_eq!(imported.template.description, "A description.");
    assert!(imported.warnings.iter().any(|w| w.message.contains("no task items")));
}

#[test]
fn crlf_imports_like_lf() {
    let (name, text) = SEEDS[2];
    assert_eq!(import(name, &text.replace('\n', "\r\n")).template, import(name, text).template);
}

#[test]
fn task_markers_of_every_kind_and_depth() {
    let text = "# T\n\n## S\n\n- [ ] dash\n* [x] star\n+ [ ] plus\n1. [ ] numbered\n   - [ ] deeper\n     - [ ] deepest\n       continued line\n";
    let imported = import("t", text);
    let items = &imported.template.sections[0].items;
    assert_eq!(
        items.iter().map(|i| (i.text.as_str(), i.kind)).collect::<Vec<_>>(),
        [("dash", ItemKind::Check), ("star", ItemKind::Check), ("plus", ItemKind::Check), ("numbered", ItemKind::Check),]
    );
    assert_eq!(items[3].children[0].children[0].text, "deepest continued line");
    assert_eq!(imported.ticked, 1);
}

#[test]
fn probes_survive_export_and_reimport() {
    use crate::model::{ProbeKind, ProbeSpec};
    let mut template = seed("ai-avatar-website");
    let mut spec = ProbeSpec::new(ProbeKind::Http, "https://alexpenman.com.au/api/health");
    spec.expect = vec!["status == 200".into(), "response_time < 100ms".into(), r#"body matches "\"ok\"\s*-->""#.into()];
    spec.headers.insert("Authorization".into(), "Bearer ${env:HEALTH_TOKEN}".into());
    let item = template.sections[0].sections.iter_mut().find(|s| s.id == "health-checks-monitoring").unwrap();
    item.items[1].probe = Some(spec.into());
    let markdown = template_to_markdown(&template);
    assert!(markdown.contains("- [ ] Health check returns status in <100ms <!-- probe: (kind:Http,"), "{markdown}");
    let again = import("x", &markdown);
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    assert_eq!(again.template, template);
}

#[test]
fn an_unreadable_probe_comment_is_kept_with_a_warning() {
    let imported = import("x", "# T\n\n## S\n\n- [ ] Check health <!-- probe: (kind: Htp) -->\n");
    assert_eq!(imported.template.sections[0].items[0].text, "Check health <!-- probe: (kind: Htp) -->");
    assert!(imported.warnings.iter().any(|w| w.line == 5 && w.message.starts_with("the probe is not readable")), "{:?}", imported.warnings);
}

#[test]
fn annotations_carry_ids_and_flags_through_export() {
    let mut template = seed("persona-chat-service");
    template.sections[0].sections[0].items[0].text = "All unit tests passing (edited)".into();
    template.sections[0].sections[0].items[1].required = false;
    template.roles[0].meaning = "Deployed it myself".into();
    let markdown = template_to_markdown(&template);
    assert!(markdown.contains("All unit tests passing (edited) <!-- preflight: id=all-unit-tests-passing -->"), "{markdown}");
    assert_eq!(import("x", &markdown).template, template);
}

/// Found by fuzzing the round trip: an empty task box on the file's last line, with no line
/// break after it, imported as an info item `[ ]`, which exported as `- [ ]` and re-imported as
/// nothing. The last line now reads as every other line does.
#[test]
fn an_empty_task_box_on_the_last_line_reads_as_on_any_other_line() {
    let ended = import("t", "# T\n\n## S\n\n- [ ] Parent\n  - [ ]\n").template;
    let unended = import("t", "# T\n\n## S\n\n- [ ] Parent\n  - [ ]").template;
    assert_eq!(unended, ended);
    let again = import("t", &template_to_markdown(&unended)).template;
    assert_eq!(again, unended, "import → export → import is the same template");
}

/// Found by fuzzing the round trip: a description whose lines read as `**Label:** value`
/// (followed by a list, so not metadata where it was written) exported above a rule, where it
/// imported as a field. Export now marks it as the description.
#[test]
fn a_description_that_reads_as_metadata_stays_the_description() {
    let first = import("t", "# T\n\n**Project:** AI Alex\n- [ ] Deploy scripts ready\n\n## S\n\n- [ ] A\n").template;
    assert_eq!(first.description, "**Project:** AI Alex");
    let markdown = template_to_markdown(&first);
    assert!(markdown.contains("**Project:** AI Alex <!-- preflight: description -->"), "{markdown}");
    assert_eq!(import("t", &markdown).template, first);
    // An ordinary description is written as it is.
    let plain = import("t", "# T\n\nWhat this covers.\n\n## S\n\n- [ ] A\n").template;
    assert!(!template_to_markdown(&plain).contains("description -->"));
}

/// Found by fuzzing the round trip: a paragraph whose text starts like a heading (written
/// `\### Security`) exported bare and imported as a section; a code block ending in a blank
/// line lost it on export.
#[test]
fn escaped_block_starts_and_code_ending_in_a_blank_line_round_trip() {
    for source in [
        "# T\n\n## S\n\n- [ ] A\n\n\\### Security\n- [ ] HTTPS enforced\n",
        "# T\n\n## S\n\n- [ ] A\n\n\\- not a list\n",
        "# T\n\n## S\n\n- [ ] A\n\n\\> not a quote\n",
        "# T\n\n## S\n\n- [ ] A\n\n3\\. not a step\n",
        "# T\n\n## S\n\n```\nrun it\n\n```\n",
    ] {
        let first = import("t", source).template;
        let markdown = template_to_markdown(&first);
        assert_eq!(import("t", &markdown).template, first, "{source:?} exported as\n{markdown}");
    }
    let heading = import("t", "# T\n\n## S\n\n- [ ] A\n\n\\### Security\n- [ ] HTTPS enforced\n").template;
    assert_eq!(heading.sections.len(), 1, "the escaped heading is text, not a section");
}

/// Found by fuzzing the round trip: a step numbered 10 or more exported its children three
/// spaces in, under `10. ` where they must stand four in, and they re-imported as a new list.
#[test]
fn children_of_a_tenth_step_stay_its_children() {
    let steps: String = (1..=10).map(|n| format!("{n}. Step {n}\n")).collect();
    let source = format!("# T\n\n## S\n\n{steps}    - [ ] Run smoke tests\n");
    let first = import("t", &source).template;
    assert_eq!(first.sections[0].items[9].children.len(), 1, "{:#?}", first.sections[0].items[9]);
    assert_eq!(import("t", &template_to_markdown(&first)).template, first);
}

/// Found by fuzzing the round trip: a second `**Version:**` block, a field where it was first
/// read (the first block gave the version), was taken for the version again once export had
/// put the version on the title.
#[test]
fn a_second_version_line_stays_a_field_after_export() {
    let block = "---\n\n**Version:** 1.0\n**Owner:** Sam\n\n---\n\n";
    let source = format!("# T\n\n## A\n\n- [ ] x\n\n{block}## B\n\n- [ ] y\n\n{block}## C\n\n- [ ] z\n");
    let first = import("t", &source).template;
    assert_eq!(first.version, "1.0");
    assert!(first.fields.iter().any(|f| f.label == "Version"), "{:?}", first.fields);
    assert_eq!(import("t", &template_to_markdown(&first)).template, first);
}

/// Found by fuzzing the round trip: a line `5. text` continuing a paragraph (a list starting at
/// 5 cannot interrupt one) became a paragraph of its own, which exported bare and came back as
/// a numbered step. Export escapes it as `5\. text`, and a paragraph's leading `5\.` reads as `5.`.
#[test]
fn a_paragraph_starting_with_a_number_and_a_dot_stays_a_paragraph() {
    let source = "# T\n\n## Sign-Off\n\n**QA Lead:** _______ Date: _______\n5. **Test in staging first** - never in production\n";
    let first = import("t", source).template;
    let markdown = template_to_markdown(&first);
    assert!(markdown.contains("5\\. **Test in staging first**"), "{markdown}");
    assert_eq!(import("t", &markdown).template, first);
    let escaped = import("t", "# T\n\n## S\n\n- [ ] A\n\n3\\. not a step\n").template;
    assert_eq!(escaped.sections[0].items[1].text, "3. not a step");
}

/// Exports `template` and imports the Markdown again: asserts that it comes back equal, and
/// returns the Markdown.
fn assert_round_trips(template: &Template) -> String {
    let markdown = template_to_markdown(template);
    assert_eq!(import("t", &markdown).template, *template, "{markdown}");
    markdown
}

/// Imports `text` whole and in pieces of every size that makes a difference, and checks that
/// the results are the same.
fn assert_same_in_pieces(name: &str, text: &str) {
    let options = ImportOptions { id: name.into(), title: None };
    let whole = import_markdown_in_pieces(text, &options, usize::MAX);
    for piece_bytes in [1, 64, 1024] {
        let pieces = import_markdown_in_pieces(text, &options, piece_bytes);
        assert_eq!(pieces.template, whole.template, "{name} in pieces of {piece_bytes} bytes");
        assert_eq!((pieces.warnings, pieces.ticked), (whole.warnings.clone(), whole.ticked), "{name} in pieces of {piece_bytes} bytes");
    }
}

#[test]
fn a_checklist_read_in_pieces_imports_as_it_does_whole() {
    for (name, text) in SEEDS {
        assert_same_in_pieces(name, text);
    }
    // Every rule that looks at a block's neighbours, at the start and end of a piece: the
    // title and description, header, middle and footer metadata, a placeholder field, code and
    // HTML left open, front matter, nesting flattened deep in the document.
    let deep: String = (0..20).map(|depth| format!("{}- [ ] level {depth}\n", "  ".repeat(depth))).collect();
    let text = format!(
        "---\nowner: Rita\n---\n# Release\n\nWhat this covers.\n\n**Version:** 2.1\n\n---\n\n## Build\n\n- [ ] compiled\n\n\
         **Notes:**\n\n```\n[To be filled]\n```\n\n## Deploy\n\n---\n\n**Window:** Tuesday\n\n---\n\n## Verify\n\n```\nunclosed\n\n\
         # not a heading\n\n## Later\n\n<pre>\n\n# raw\n\n{deep}\n## Sign-off\n\nQA Lead: ________\n\n---\n\n**Approved by:** ____\n\n---\n"
    );
    assert_same_in_pieces("neighbours", &text);
    let imported = import_markdown_in_pieces(&text, &ImportOptions { id: "n".into(), title: None }, 1);
    assert_eq!(imported.template.title, "Release");
    assert_eq!(imported.template.description, "What this covers.");
    assert!(imported.template.fields.iter().any(|f| f.label == "Window"), "{:?}", imported.template.fields);
}

mod round_trip;
mod round_trip_text;
