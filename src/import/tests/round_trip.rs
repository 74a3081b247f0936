//! Round trips that the fuzzer found to fail in fields, roles, metadata and annotations, each
//! fixed: import, export as Markdown, import again, and the template is the same. Text itself
//! (escapes, white space, fences, quotes) is in `round_trip_text`.

use super::*;

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

/// Found by fuzzing the round trip: a description whose first line is an escaped `\## …` was
/// exported without the escape and came back as a section. The description's first line is
/// escaped as any paragraph's is.
#[test]
fn a_description_that_starts_like_a_heading_stays_the_description() {
    let once = import("t", "# T\n\n\\## Not a section\n\n## S\n\n- [ ] a\n").template;
    assert_eq!(once.description, "## Not a section");
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

/// Found by coverage-guided fuzzing of the round trip: a front matter value that is a blank
/// (`r: ___`) was a field pre-filled with underscores, which export wrote as `**r:** ___`, a
/// blank field on the next import. Front matter now reads a blank as a header line does.
#[test]
fn a_blank_in_front_matter_is_a_blank_field() {
    let once = import("t", "---\nowner: ___ (the on-call lead)\napproved by: ____\n---\n\n# T\n").template;
    let owner = once.fields.iter().find(|f| f.label == "owner").expect("a field");
    assert_eq!((owner.default.as_ref(), owner.hint.as_str()), (None, "the on-call lead"));
    assert_eq!(once.roles.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["approved by"]);
    assert_round_trips(&once);
    assert_round_trips(&import("t", "---\nr:___\n---").template);
}

/// Found by coverage-guided fuzzing of the round trip: an empty item of a front matter list
/// (`- ` under `p: s`) added `, ` to the value, whose trailing space export wrote and the next
/// import trimmed. Empty items, in `- ` lines or `[a, , b]`, now add nothing.
#[test]
fn an_empty_item_of_a_front_matter_list_adds_nothing() {
    let once = import("t", "---\np:s\n- \n- \" x \"\nq: [a, , \"\"]\n---").template;
    let value = |label: &str| once.fields.iter().find(|f| f.label == label).and_then(|f| f.default.clone());
    assert_eq!(value("p"), Some(FieldValue::Text("s, x".into())));
    assert_eq!(value("q"), Some(FieldValue::Text("a".into())));
    assert_round_trips(&once);
}

/// Found by coverage-guided fuzzing of the round trip: front matter gives a pre-filled field
/// any length, and a `**Label:** value` line longer than 80 characters reads as text, so the
/// field came back as a paragraph. Export now names such a field's kind, and a line whose
/// annotation names a kind reads as a field whatever its length.
#[test]
fn a_long_front_matter_value_stays_a_field() {
    let value = "a successful deployment is not just a merged pull request, it is a service that answers";
    let once = import("t", &format!("---\nnotes: {value}\n---\n\n# T\n")).template;
    let notes = once.fields.iter().find(|f| f.label == "notes").expect("a field");
    assert_eq!(notes.default, Some(FieldValue::Text(value.into())));
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains(&format!("**notes:** {value} <!-- preflight: kind=text -->")), "{markdown}");
}

/// Found by coverage-guided fuzzing of the round trip: a table's row gave a check whose text
/// reads as a fill-in (`**Approved By**:**_`); written as `- [ ] …`, it came back as a sign-off
/// role. A check, a step or a bullet that reads so is now marked `text`, and the importer reads
/// such a list item as the item it is.
#[test]
fn a_check_that_reads_as_a_fill_in_stays_a_check() {
    let once = import("t", "l|o\n-|-\n||n\n**Approved By**:**_\n").template;
    assert_eq!((once.items[0].kind, once.items[0].text.as_str()), (ItemKind::Check, "**Approved By**:**_"));
    assert!(once.roles.is_empty());
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("- [ ] **Approved By**:**_ <!-- preflight: text -->\n"), "{markdown}");
    // As written in the editor: a check, a step and a bullet.
    let mut template = import("t", "# T\n\n- [ ] a\n1. b\n- c\n").template;
    for (item, text) in template.items.iter_mut().zip(["Approved by: ____", "QA Lead: ____ Date: ____", "Window: ____"]) {
        item.text = text.into();
    }
    let markdown = assert_round_trips(&template);
    assert!(markdown.contains("- [ ] Approved by: ____ <!-- preflight: id=a text -->\n"), "{markdown}");
}

/// Found by coverage-guided fuzzing of the round trip: a description that ends in `---`
/// (`�---`) looked to export like the rule it writes before the header's fields, so it wrote
/// none, and the fields came back as text. A rule is now one that stands on its own line.
#[test]
fn a_description_that_ends_in_dashes_keeps_the_header_rule() {
    let once = import("t", "#\n\u{fffd}---\n\n---\nt:]\n").template;
    assert_eq!(once.description, "\u{fffd}---");
    assert!(once.fields.iter().any(|f| f.label == "t"), "{:?}", once.fields);
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("\u{fffd}---\n\n---\n\n**Release version:**"), "{markdown}");
}

/// Found by coverage-guided fuzzing of the round trip: a sign-off table's role cell was taken
/// as the role's title with its markup (`**`), which export wrote inside its own bold
/// (`****:**`) and which came back as text. A title is now the cell's plain text: emphasis
/// around it is left out, and a cell of markup alone names no role.
#[test]
fn a_sign_off_tables_role_is_its_plain_text() {
    let source = "# T\n\n- [ ] a\n\n## Sign-off\n\n| Role | Name | Signature | Date |\n|---|---|---|---|\n| **Release Manager** | | | |\n| _QA Lead_ | | | |\n";
    let once = import("t", source).template;
    assert_eq!(once.roles.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["Release Manager", "QA Lead"]);
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains("**Release Manager:** _____ Date: _____"), "{markdown}");
    let imported = import("t", "## Signoff\ne|signature||\n-|-|-\n**\n");
    assert!(imported.template.roles.is_empty());
    assert!(imported.warnings.iter().any(|w| w.message.starts_with("sign-off table row without a role")), "{:?}", imported.warnings);
    assert_round_trips(&imported.template);
}

/// Found by coverage-guided fuzzing of the round trip: a sign-off table with a row that names
/// no role is kept as text, but the roles of the rows before it stayed as well, and came back
/// twice after export (once from the table's text, once from their own lines). A table kept as
/// text now names no role.
#[test]
fn a_sign_off_table_kept_as_text_names_no_role() {
    let imported = import("t", "## signoff\ne|signature\n-|-\n--\ne**e\n");
    assert!(imported.template.roles.is_empty(), "{:?}", imported.template.roles);
    assert_eq!(imported.template.sections[0].items[0].style, crate::model::InfoStyle::Verbatim);
    assert_round_trips(&imported.template);
}

/// Found by coverage-guided fuzzing of the round trip, after 1,167,324 executions: the version
/// `<!-- preflight:` was written in the title's annotation as it was, and the importer, which
/// takes a line's last `<!-- preflight:` as where its annotation starts, read the title as
/// everything before the value. Export now escapes the `!` of a `<!` in an annotation's quoted values.
#[test]
fn an_annotation_value_that_opens_an_annotation_is_escaped() {
    let once = import("t", "**Version**:<!-- preflight:").template;
    assert_eq!((once.title.as_str(), once.version.as_str()), ("Untitled checklist", "<!-- preflight:"));
    let markdown = assert_round_trips(&once);
    assert!(markdown.contains(r#"version="<\!-- preflight:""#), "{markdown}");
}

/// Fill-ins straight after the title are fields, as they are anywhere else; they were the
/// checklist's description. A description with a blank in it keeps its annotation through
/// export, so that it stays the description.
#[test]
fn fill_ins_after_the_title_are_fields_and_a_description_with_a_blank_stays_one() {
    let once = import("t", "# Go-live\n\nRelease: __________\n\n- [ ] Deploy\n").template;
    assert_eq!(once.description, "");
    assert!(once.fields.iter().any(|field| field.label == "Release"), "{:?}", once.fields);
    assert_round_trips(&once);
    let mut described = once.clone();
    described.description = "Owner: ____ until noon".into();
    let markdown = assert_round_trips(&described);
    assert!(markdown.contains("Owner: ____ until noon <!-- preflight: description -->"), "{markdown}");
}
