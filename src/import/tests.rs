//! Import tests on the five seed checklists and on small cases.

use super::*;
use crate::model::{FieldKind, FieldValue, ItemKind, Placement, Template};

const SEEDS: [(&str, &str); 5] = [
    ("ai-avatar-website", include_str!("../../tests/data/ai-avatar-website.md")),
    ("persona-chat-service", include_str!("../../tests/data/persona-chat-service.md")),
    ("microservices-platform", include_str!("../../tests/data/microservices-platform.md")),
    ("prismai-platform", include_str!("../../tests/data/prismai-platform.md")),
    ("realtime-collab-app", include_str!("../../tests/data/realtime-collab-app.md")),
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

/// Found by fuzzing the round trip: a paragraph that is not metadata where it was read (here a
/// list follows it) but whose lines read as `**Label:** value` came back as a pre-filled field,
/// because export put it between the header's rule and the end. Export now marks it `text`.
#[test]
fn a_paragraph_that_reads_as_metadata_stays_text_after_export() {
    let source = "eployment Duration:** _____ minutes\n- **Downtime:** _____ minutes\n";
    let once = import("t", source).template;
    assert_eq!(once.items.len(), 1, "{:?}", once.items);
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("eployment Duration:** _____ minutes <!-- preflight: text -->"), "{markdown}");
}

/// An information paragraph keeps an id it was given, and its required flag, through export:
/// the annotation on its last line is read, not kept as text.
#[test]
fn an_information_paragraph_keeps_its_id_through_export() {
    let mut template = import("t", "# T\n\n## S\n\nSome context for the section.\n\n- [ ] a check\n").template;
    let paragraph = &mut template.sections[0].items[0];
    assert_eq!(paragraph.kind, ItemKind::Info);
    paragraph.id = "context".into();
    paragraph.required = true;
    let markdown = template_to_markdown(&template);
    assert!(markdown.contains("Some context for the section. <!-- preflight: id=context required -->"), "{markdown}");
    assert_eq!(import("t", &markdown).template, template);
}

/// Found by fuzzing the round trip: a blank followed by `Date: ___` and more text is a field
/// whose hint holds blanks of its own. Export wrote the hint alone, as for several blanks in
/// one value, which no longer starts with a blank and came back as text. Export now writes the
/// first form that reads back with the same hint.
#[test]
fn a_dated_blank_with_more_blanks_after_it_stays_a_field() {
    let source = "# T\n\n## Contacts\n\n**Deployment Manager:** _____ Date: ___tem Owner:** _____ Date: _______\n";
    let once = import("t", source).template;
    let field = once.fields.iter().find(|f| f.label == "Deployment Manager").expect("a field");
    assert_eq!(field.hint, "tem Owner:** _____ Date: _______");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a date a script was meant to fill (`$(date +%F)`) in a
/// sign-off section is a field, but exported as a blank there it came back as a role. Export
/// now gives such a blank its kind, and a blank with a `kind` is a field wherever it stands.
#[test]
fn a_blank_field_in_a_sign_off_section_stays_a_field() {
    let source = "# T\n\n## Sign-off\n\n---\n\n**Last Updated:** $(date +%F)\n\n---\n\n## Sign-off again\n\n- [ ] signed\n";
    let once = import("t", source).template;
    assert!(once.fields.iter().any(|f| f.label == "Last Updated" && f.kind == crate::model::FieldKind::Date), "{:?}", once.fields);
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("**Last Updated:** _____ <!-- preflight: kind=date -->"), "{markdown}");
}

/// Found by fuzzing the round trip: a vertical tab before `## ` keeps the line in the
/// paragraph above, but the importer trimmed it away, so export wrote a heading. Lines lose
/// only the spaces and tabs Markdown itself takes off.
#[test]
fn a_line_kept_from_being_a_heading_by_a_vertical_tab_stays_text() {
    let source = "# T\n\nWhat this covers.\n\u{b}## not a heading\n\n## S\n\n- [ ] a\n";
    let once = import("t", source).template;
    assert_eq!(once.description, "What this covers.\n\u{b}## not a heading");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: the same vertical tab before `- [ ]`, which export then
/// escaped as if the line began a list.
#[test]
fn a_line_kept_from_being_a_task_by_a_vertical_tab_is_not_escaped() {
    let source = "# T\n\n## S\n\n\u{b}- [ ] not a task\n\n- [ ] a\n";
    let once = import("t", source).template;
    assert_eq!(once.sections[0].items[0].text, "\u{b}- [ ] not a task");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a title ending in a vertical tab kept it when read, and lost
/// it when read again behind the annotation export writes. Annotations are split off with the
/// spaces and tabs before them only.
#[test]
fn a_title_ending_in_a_vertical_tab_keeps_it_through_export() {
    let once = import("t", "# Go-live\u{b}\n\n## S\n\n- [ ] a\n").template;
    assert_eq!(once.title, "Go-live\u{b}");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a line `\_**` under fill-in lines in a sign-off section
/// became an information item of its own, with the backslash it had as a middle line. Export
/// made it a paragraph's first line, where the escape never reaches the text.
#[test]
fn a_line_left_after_fill_ins_reads_as_a_first_line() {
    let source = "# T\n\n## Sign-off\n\n**Deployed By:** _____ Date: _____\n\\_**\n";
    let once = import("t", source).template;
    assert_eq!(once.sections[0].items[0].text, "_**");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a version starting with a quote was written unquoted in the
/// title's annotation and read back as a quoted value. Values with a quote, a backslash, a `>`
/// or white space are quoted, with those characters escaped. (The header role here, whose
/// title is no approver's, also came back as a field: export now gives it its meaning, which
/// only a role has.)
#[test]
fn annotation_values_with_quotes_and_comment_ends_survive_export() {
    for version in ["\"1.0.0", "2.0 \"final\"", "3.0 --> now", "C:\\builds\\4"] {
        let mut template = import("t", "# T\n\n## S\n\n- [ ] a\n").template;
        template.version = version.into();
        template.roles.push(crate::model::Role {
            id: "approver".into(),
            title: "Approver".into(),
            meaning: format!("Approved \"{version}\" -->"),
            required: true,
            placement: crate::model::Placement::Header,
            require_key: false,
            separate_from: Vec::new(),
        });
        let markdown = template_to_markdown(&template);
        assert_eq!(import("t", &markdown).template, template, "{markdown}");
    }
}

/// Found by fuzzing the round trip: `- # ] Product Owner: ____ Date: ____` in a sign-off
/// section is a heading inside a list item, kept as text; exported as a paragraph it came back
/// as a role. A paragraph marked `text` holds no fill-ins.
#[test]
fn text_that_reads_as_a_fill_in_stays_text_after_export() {
    let once = import("t", "# T\n\n## Sign-Off\n\n- # ] Product Owner: _______  Date: _______\n- [ ] DevOps Lead: ____ Date: ____\n").template;
    assert_eq!(once.sections[0].items[0].text, "] Product Owner: _______  Date: _______");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a section title ending in ` #` lost it on export, as
/// Markdown reads a heading's last run of `#` for a closing sequence. Export gives such a title
/// a closing sequence of its own.
#[test]
fn a_title_ending_in_a_hash_keeps_it_through_export() {
    let once = import("t", "# T\n\n## Release # 4\\#\n\n### # #\n\n- [ ] a\n").template;
    assert_eq!((once.sections[0].title.as_str(), once.sections[0].sections[0].title.as_str()), ("Release # 4\\#", "#"));
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a description whose first line is an escaped `\## …` was
/// exported without the escape and came back as a section. The description's first line is
/// escaped as any paragraph's is.
#[test]
fn a_description_that_starts_like_a_heading_stays_the_description() {
    let once = import("t", "# T\n\n\\## Not a section\n\n## S\n\n- [ ] a\n").template;
    assert_eq!(once.description, "## Not a section");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: the lines of a paragraph in a block quote kept the `>` of
/// every line after the first, so the text read `99.5%\n>99.5%` and export wrote a quote of
/// its own. Text from a quote leaves its markers out, in a list inside the quote too.
#[test]
fn text_in_a_block_quote_leaves_the_quote_markers_out() {
    let once = import("t", "# T\n\n## S\n\n> Note: drain first\n> and then deploy\n>\n> - [ ] a check\n>   that goes on\n").template;
    let texts: Vec<&str> = once.sections[0].items.iter().map(|item| item.text.as_str()).collect();
    assert_eq!(texts, ["Note: drain first\nand then deploy", "a check that goes on"]);
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a table of blanks before the first heading is the header's
/// table field, and export wrote it as a `**Table:** …` line, which came back as a text field.
/// Export writes the header's tables as tables, in their place among its lines.
#[test]
fn a_table_field_of_the_header_stays_a_table_after_export() {
    let text = "# T\n\nAbout.\n\n---\n\n**Owner:** Ana\n\n---\n\n| Role | Name |\n|---|---|\n| Lead | |\n\n---\n\n**Ticket:** OPS-1\n\n---\n\n## S\n\n- [ ] a\n";
    let once = import("t", text).template;
    let kinds: Vec<(&str, bool)> = once.fields.iter().map(|f| (f.label.as_str(), matches!(f.kind, FieldKind::Table { .. }))).collect();
    // After the two fields every run has.
    assert_eq!(kinds[2..], [("Owner", false), ("Table", true), ("Ticket", false)]);
    assert_round_trips(&once);
    let only_table = import("t", "# T\n\n| Role | Name |\n|---|---|\n| Lead | |\n\n## Sign-off\n\n- [ ] a\n").template;
    assert!(matches!(only_table.fields[2].kind, FieldKind::Table { .. }));
    assert_round_trips(&only_table);
}

/// Found by fuzzing the round trip: a section's pre-filled field, read between rules with text
/// after it, was written after the section's items; at the document's end it came back as the
/// footer's. Export marks such lines `section`.
#[test]
fn a_section_field_written_last_stays_in_its_section() {
    let once = import("t", "# T\n\n## Notes\n\n---\n\n**Remember:** drain first\n\n---\n\nKeep calm.\n").template;
    let remember = once.fields.iter().find(|f| f.label == "Remember").expect("the field");
    assert_eq!(remember.placement, Placement::Section("notes".into()));
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("**Remember:** drain first <!-- preflight: section -->"), "{markdown}");
}

/// Found by fuzzing the round trip: a tab-indented `- …` line after a paragraph's first line
/// continues the paragraph, and the importer takes the tab off; export wrote the line at the
/// margin, where it starts a list. It gets an indent back (an `===` line too, which would make
/// the paragraph a heading). And the document's end lost a last section title's vertical tab.
#[test]
fn a_paragraph_line_that_could_start_a_block_stays_in_its_paragraph() {
    let once = import("t", "# T\n\n## S\n\n**Done If:**\n\t- all healthy\n    ===\n    ## not a heading\n\n## Last\u{b}\n").template;
    assert_eq!(once.sections[0].items[0].text, "**Done If:**\n- all healthy\n===\n## not a heading");
    assert_eq!(once.sections[1].title, "Last\u{b}");
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a bullet whose text starts with a fence or reads as a task
/// box (`- [⏎] ` joins to `[ ]`) was written as it was, and came back as code or as an empty
/// task left out. Its first character is escaped, as a paragraph's is.
#[test]
fn a_bullet_that_reads_as_a_fence_or_a_box_stays_a_bullet() {
    let once = import("t", "# T\n\n## S\n\n- [ ] a\n- [\r\n ] \n- \\```x\n1. \\[x]\n").template;
    let texts: Vec<&str> = once.sections[0].items.iter().map(|item| item.text.as_str()).collect();
    assert_eq!(texts, ["a", "[ ]", "```x", "[x]"]);
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a table cell read with an escaped pipe (`Phone \|`) keeps
/// the escape, and export escaped it again (`Phone \\|`). A pipe already escaped is left alone.
#[test]
fn a_table_cell_with_an_escaped_pipe_keeps_one_escape() {
    let once = import("t", "# T\n\n## Contacts\n\n| Role | Phone \\| |\n|---|---|\n| Lead | |\n").template;
    let table = once.fields.iter().find(|f| f.label == "Contacts").expect("the table field");
    assert_eq!(table.kind, FieldKind::Table { columns: vec!["Role".into(), "Phone \\|".into()] });
    assert_round_trips(&once);
}

/// Found by fuzzing the import: an empty heading inside a block quote or a list item became
/// an information item without text, which the store refuses to write. It is left out.
#[test]
fn an_empty_heading_in_a_quote_or_a_list_is_left_out() {
    let imported = import("t", ">#\n\n## S\n\n- #\n- [ ] a\n");
    assert_eq!(imported.template.all_items().len(), 1);
    assert!(imported.warnings.iter().any(|w| w.message.contains("empty heading inside a block quote left out")), "{:?}", imported.warnings);
    crate::store::template_ron(std::path::Path::new("t.checklist.ron"), &imported.template).expect("it saves");
}

/// Found by fuzzing the round trip: a setext heading (`- ` under a line) kept a leading
/// vertical tab that the `##` heading export wrote loses. A heading's text starts after it.
#[test]
fn a_heading_starts_after_a_vertical_tab_or_form_feed() {
    let once = import("t", "# T\n\n## S\n\n\u{b}- [ ] On call\n- \n\n\u{c}Two\n---\n\n- [ ] a\n").template;
    let titles: Vec<&str> = once.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["S", "- [ ] On call", "Two"]);
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: text after a fill-in line that starts with an escaped
/// backslash (`\\\\x`) lost one backslash on each import, as a paragraph's leading escape does.
/// Export escapes a text that starts with an escape.
#[test]
fn a_text_that_starts_with_an_escape_keeps_its_backslashes() {
    let once = import("t", "# T\n\n## Sign-Off\n\n**Deployed By**: ****\\_**** Date: **\\_\\_\\\\\\\\\n\\\\\\\\x\n").template;
    assert!(once.sections[0].items.iter().any(|item| item.text == "\\\\\\x"), "{:#?}", once.sections[0].items);
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a section's role written after its pre-filled lines, at
/// the document's end, stood between a rule and the end and came back as the footer's.
#[test]
fn a_section_role_written_last_stays_in_its_section() {
    let once = import("t", "# T\n\n## Success\n\n---\n\n**Owner:** Ana\n\n---\n\nKeep calm.\n\n**Approved By:** ____ Date: ____\n").template;
    assert_eq!(once.roles[0].placement, Placement::Section("success".into()));
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: `**Notes:**` and a `[To be filled]` code block with empty
/// code blocks between them are two pieces of text (the empty blocks are left out); exported
/// next to each other they came back as a placeholder field. The label is marked `text`.
#[test]
fn a_label_before_a_placeholder_it_was_not_next_to_stays_text() {
    let once = import("t", "# T\n\n## S\n\n- [ ] a\n\n**Notes:**\n\n```\n```\n\n```\n[To be filled]\n```\n").template;
    let texts: Vec<&str> = once.sections[0].items.iter().map(|item| item.text.as_str()).collect();
    assert_eq!(texts, ["a", "**Notes:**", "[To be filled]"]);
    assert_round_trips(&once);
}

/// Found by fuzzing the round trip: a paragraph in a block quote whose later lines were a
/// table's (`> | Role |` and then `|---|` outside the quote, a lazy line) came back as a table
/// field. A paragraph's later line that is a table's delimiter row is indented, which keeps it
/// text.
#[test]
fn a_paragraph_that_reads_as_a_table_stays_text() {
    let once = import("t", "# T\n\n## S\n\n> | Role | Name |\n|---|---|\n| Lead | |\n").template;
    assert_eq!(once.sections[0].items[0].text, "| Role | Name |\n|---|---|\n| Lead | |");
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("| Role | Name |\n    |---|---|\n"), "{markdown}");
}

/// Found by coverage-guided fuzzing of the round trip: a header blank with a hint too long for
/// a `**Label:** value` line broke the header's block of lines, so the pre-filled line after it
/// came back as text. Such a blank stands in a paragraph of its own.
#[test]
fn a_header_blank_with_a_long_hint_keeps_the_header_together() {
    let hint = "x".repeat(90);
    let text = format!("# T\n- [ ] a\n\n#c Sign-Off\n\n**Deployed By**: ____ Date: ____ {hint}\n\n---\n\n**Last Updated**: 2026-01-10\n");
    let once = import("t", &text).template;
    let labels: Vec<&str> = once.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["Release version", "Environment", "Deployed By", "Last Updated"]);
    assert_round_trips(&once);
}
