from app.content.readability import count_syllables, flesch_kincaid_grade


def test_syllables_come_from_the_pronouncing_dictionary():
    assert [count_syllables(w) for w in ("cream", "every", "medicine", "eczema")] == [1, 3, 3, 3]


def test_unknown_words_are_counted_by_vowel_groups():
    assert count_syllables("pimecrolimus") == 5
    assert count_syllables("zzz") == 1


def test_short_plain_sentences_score_low():
    assert flesch_kincaid_grade("Put on a thin layer. Do it two times a day.") < 3


def test_long_technical_sentences_score_high():
    text = (
        "Pharmacological inhibition of calcineurin-dependent dephosphorylation necessitates "
        "considerable deliberation regarding immunological consequences."
    )
    assert flesch_kincaid_grade(text) > 16


def test_list_items_and_headings_end_sentences():
    listed = "## Tips\n\n- Wash your hands\n- Use a thin layer\n- Keep the cap on"
    run_on = "Tips wash your hands use a thin layer keep the cap on"
    assert flesch_kincaid_grade(listed) < flesch_kincaid_grade(run_on)


def test_text_without_words_has_grade_zero():
    assert flesch_kincaid_grade("---\n\n") == 0.0
