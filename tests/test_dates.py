"""Temporal expression extraction: forms, resolution against publication time, false friends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from pipelines.extract.dates import extract_dates
from schemas.tables import Dates, check_offsets, polars_schema

PUB = datetime(2024, 6, 27, 6, 30, tzinfo=UTC)  # a Thursday

ARTICLE = (
    "South Korean TV channel reports that North Korea may deploy large-scale military "
    "engineering forces to the occupied Donetsk Oblast as early as July 2024. ... The Institute "
    "for the Study of War (ISW) reported on 26 June that this move could be part of Russia’s "
    "broader strategy. ... The agreement signed by Putin and Kim on 19 June commits each side "
    "... North Korea could receive up to $115 million annually from Russia if it sends three "
    "to four engineering brigades as early as July."
)


def frame(texts: list[str], published: datetime | None = PUB) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(len(texts))],
            "text": texts,
            "published_at": [published] * len(texts),
            "language": [None] * len(texts),
        },
        schema={"article_id": pl.String, "text": pl.String,
                "published_at": pl.Datetime("us", "UTC"), "language": pl.String},
    )


def run(text: str, published: datetime | None = PUB) -> pl.DataFrame:
    articles = frame([text], published)
    out = extract_dates(articles)
    assert check_offsets(out, articles).height == 0
    for r in out.iter_rows(named=True):
        assert text[r["start"]:r["end"]] == r["text"]
    return out


def one(text: str, span: str, published: datetime | None = PUB) -> dict:
    out = run(text, published)
    rows = [r for r in out.iter_rows(named=True) if r["text"] == span]
    assert rows, f"{span!r} not found in {out.select('text', 'value').rows()}"
    return rows[0]


def test_schema_and_example_article() -> None:
    out = run(ARTICLE)
    assert dict(out.schema) == polars_schema(Dates)
    got = {(r["text"], r["value"]) for r in out.iter_rows(named=True)}
    assert ("26 June", "2024-06-26") in got
    assert ("19 June", "2024-06-19") in got
    assert ("July 2024", "2024-07") in got
    assert ("July", "2024-07") in got
    assert not out.filter(pl.col("text").str.to_lowercase() == "may").height
    row = one(ARTICLE, "26 June")
    assert row["start_date"] == row["end_date"] == date(2024, 6, 26)
    assert row["anchor"] == "publication_date"
    assert one(ARTICLE, "July 2024")["anchor"] == "explicit"


CASES = [
    # absolute forms
    ("It happened on June 26, 2024 in Kyiv.", "June 26, 2024", "DATE", "2024-06-26", None),
    ("It happened on 26 June 2024 in Kyiv.", "26 June 2024", "DATE", "2024-06-26", None),
    ("Posted Jun 27, 2024 - 06:30 by staff.", "Jun 27, 2024 - 06:30", "TIME", "2024-06-27T06:30",
     None),
    ("The file is dated 2024-06-26.", "2024-06-26", "DATE", "2024-06-26", None),
    ("The file is dated 26.06.2024.", "26.06.2024", "DATE", "2024-06-26", None),
    ("Prices rose in June 2024 again.", "June 2024", "DATE", "2024-06", None),
    ("The law was passed in 2024.", "2024", "DATE", "2024", None),
    ("Growth slowed in mid-2024.", "mid-2024", "DATE", "2024", "MID"),
    ("Talks resume in early July.", "early July", "DATE", "2024-07", "START"),
    ("Sales fell in the first half of 2024.", "the first half of 2024", "DATE", "2024-H1", None),
    ("Sales fell in Q3 2024.", "Q3 2024", "DATE", "2024-Q3", None),
    ("Revenue in fiscal 2024 grew.", "fiscal 2024", "DATE", "2024", None),
    ("Rallies are planned for summer 2024.", "summer 2024", "DATE", "2024-SU", None),
    ("Music of the 1990s is back.", "the 1990s", "DATE", "199", None),
    ("It was built in the 19th century.", "the 19th century", "DATE", "18", None),
    ("The market opens at 3:30 p.m. EST daily.", "3:30 p.m. EST", "TIME", "2024-06-27T15:30",
     None),
    ("The vote starts at 10 a.m. sharp.", "10 a.m.", "TIME", "2024-06-27T10:00", None),
    # relative forms
    ("The ISW reported on 26 June that troops moved.", "26 June", "DATE", "2024-06-26", None),
    ("The deal will be signed in July.", "July", "DATE", "2024-07", None),
    ("Troops may arrive as early as July.", "July", "DATE", "2024-07", "START"),
    ("The minister spoke on Tuesday.", "Tuesday", "DATE", "2024-06-25", None),
    ("The minister will speak next Tuesday.", "next Tuesday", "DATE", "2024-07-02", None),
    ("The minister will speak next Friday.", "next Friday", "DATE", "2024-06-28", None),
    ("He resigned last week.", "last week", "DATE", "2024-W25", None),
    ("Elections are due next month.", "next month", "DATE", "2024-07", None),
    ("He left two days ago.", "two days ago", "DATE", "2024-06-25", None),
    ("Inflation fell this year.", "this year", "DATE", "2024", None),
    ("Shelling resumed yesterday.", "yesterday", "DATE", "2024-06-26", None),
    ("The summit opens today.", "today", "DATE", "2024-06-27", None),
    ("He will speak tonight.", "tonight", "TIME", "2024-06-27TNI", None),
    ("Two people died the previous day.", "the previous day", "DATE", "2024-06-26", None),
    ("Sales doubled from a year earlier.", "a year earlier", "DATE", "2023", None),
    ("Sales doubled last year.", "last year", "DATE", "2023", None),
    ("Talks began earlier this month.", "earlier this month", "DATE", "2024-06", "START"),
    ("More strikes are expected in the coming weeks.", "the coming weeks", "DATE", "FUTURE_REF",
     None),
    ("The army is now in control.", "now", "DATE", "PRESENT_REF", None),
    ("She currently lives in Kyiv.", "currently", "DATE", "PRESENT_REF", None),
    ("Prices rose recently.", "recently", "DATE", "PAST_REF", None),
    ("Things will change in the future.", "the future", "DATE", "FUTURE_REF", None),
    # durations and sets
    ("The war lasted three years.", "three years", "DURATION", "P3Y", None),
    ("Rain fell for the past 24 hours.", "the past 24 hours", "DURATION", "PT24H", None),
    ("They talked for more than four hours.", "more than four hours", "DURATION", "PT4H",
     "MORE_THAN"),
    ("The board meets every week.", "every week", "SET", "P1W", None),
    ("The report is published annually.", "annually", "SET", "P1Y", None),
    ("The council meets every Monday.", "every Monday", "SET", "XXXX-WXX-1", None),
    # modifiers
    ("Troops must leave by July 2024.", "July 2024", "DATE", "2024-07", "ON_OR_BEFORE"),
    ("Fighting has raged since 2022.", "2022", "DATE", "2022", "ON_OR_AFTER"),
    ("The ceasefire held until March 2023.", "March 2023", "DATE", "2023-03", "ON_OR_BEFORE"),
    ("It is due around Nov. 1.", "around Nov. 1", "DATE", "2024-11-01", "APPROX"),
    ("Prices peaked in late November 2023.", "late November 2023", "DATE", "2023-11", "END"),
    # round 2: financial periods, past-leaning month/weekend resolution, half durations
    ("Net rose in the third quarter from $3 million a year ago.", "a year ago", "DATE", "2022-Q3",
     None),
    ("Net rose to $3 million from $2 million a year ago.", "a year ago", "DATE", "2023", None),
    ("Profit in the year-ago period was lower, the third-quarter report said.",
     "the year-ago period", "DATE", "2022-Q3", None),
    ("Lending slowed in recent months.", "recent months", "DURATION", "PXM", None),
    ("Over the weekend, talks resumed.", "the weekend", "DATE", "2024-W25-WE", None),
    ("He signed the treaty last May.", "last May", "DATE", "2024-05", None),
    ("Troops must leave by May.", "May", "DATE", "2024-05", "ON_OR_BEFORE"),
    ("The dividend is payable Jan. 2 to holders.", "Jan. 2", "DATE", "2025-01-02", None),
    ("It took a minute and a half.", "a minute and a half", "DURATION", "PT1M30S", None),
    ("It took half an hour.", "half an hour", "DURATION", "PT30M", None),
    ("Losses mounted over several quarters.", "several quarters", "DURATION", "PXQ", None),
    ("The ship leaves at 8pm on August 5.", "8pm on August 5", "TIME", "2024-08-05T20:00", None),
    ("Doors open Aug 5 at 8:30pm sharp.", "Aug 5 at 8:30pm", "TIME", "2024-08-05T20:30", None),
    ("The fair runs 2024/08/05 - 2024/08/16.", "2024/08/05 - 2024/08/16", "DATE",
     "2024-08-05/2024-08-16", None),
    ("Sales for the full year rose.", "the full year", "DATE", "2024", None),
    ("Revenue for the year ended March 31 fell.", "the year", "DURATION", "P1Y", None),
    # round 3: open forms
    ("Meet me Friday next week.", "Friday next week", "DATE", "2024-07-05", None),
    ("The vote is on Tuesday 2nd.", "Tuesday 2nd", "DATE", "2024-07-02", None),
    ("The vote was on Tuesday the 11th.", "Tuesday the 11th", "DATE", "2024-06-11", None),
    ("Call me tomorrow 7.25 pm.", "tomorrow 7.25 pm", "TIME", "2024-06-28T19:25", None),
    ("Flight AB12 departs 03APR 11:40 from gate 4.", "03APR 11:40", "TIME", "2024-04-03T11:40",
     None),
    ("Invoice issued 28Nov2016 to the firm.", "28Nov2016", "DATE", "2016-11-28", None),
    ("Doors open 19.05.24 1900-2110 at the hall.", "19.05.24 1900-2110", "TIME",
     "2024-05-19T19:00/2024-05-19T21:10", None),
    ("The fair runs 05.-10.11.2024 in Bonn.", "05.-10.11.2024", "DATE", "2024-11-05/2024-11-10",
     None),
    ("Filed on 31.01. by the court.", "31.01.", "DATE", "2024-01-31", None),
    ("Polls were open from 8-10 a.m., officials said.", "8-10 a.m.", "TIME",
     "2024-06-27T08:00/2024-06-27T10:00", None),
    ("Polls will open on June 28 8-10 a.m. in Ohio.", "June 28 8-10 a.m.", "TIME",
     "2024-06-28T08:00/2024-06-28T10:00", None),
    ("The bell rang at quarter past eight.", "quarter past eight", "TIME", "2024-06-27T08:15",
     None),
    ("The session ended at 15 June 19.10 sharp.", "15 June 19.10", "TIME", "2024-06-15T19:10",
     None),
    ("The reply came on the 20th, officials said.", "the 20th", "DATE", "2024-06-20", None),
    # holidays (seeds): fixed, nth weekday, Easter-based
    ("He was found Thanksgiving Day near the coast.", "Thanksgiving Day", "DATE", "2024-11-28",
     None),
    ("Protesters prayed as Easter week began.", "Easter week", "DATE", "2024-W13", None),
    ("They met last Christmas in Rome.", "last Christmas", "DATE", "2023-12-25", None),
    ("The theme of the campaign until Election Day is jobs.", "Election Day", "DATE",
     "2024-11-05", "ON_OR_BEFORE"),
    # round 4: lower-case weekdays, lower-case months before a day, period ends, numeric forms
    ("The talks resume on tuesday in Geneva.", "tuesday", "DATE", "2024-06-25", None),
    ("The committee meets on may 8, officials said.", "may 8", "DATE", "2024-05-08", None),
    ("The deal should close by year-end.", "year-end", "DATE", "2024-12-31", "ON_OR_BEFORE"),
    ("The index has risen 5% since year-end.", "year-end", "DATE", "2023-12-31", "ON_OR_AFTER"),
    ("Bills are due at the end of the month.", "the end of the month", "DATE", "2024-06-30",
     None),
    ("Profits rose toward the end of the year.", "the end of the year", "DATE", "2024", "END"),
    ("The file was stamped 2024.05.03 by the clerk.", "2024.05.03", "DATE", "2024-05-03", None),
    ("The file was stamped 2024/30/11 by the clerk.", "2024/30/11", "DATE", "2024-11-30", None),
    ("The market opens Sunday 6/30 with a parade.", "Sunday 6/30", "DATE", "2024-06-30", None),
    ("Doors open next Monday 9.15 at the hall.", "next Monday 9.15", "TIME", "2024-07-01T09:15",
     None),
    ("The fair runs 1.7. - 12.7.2024 in Bonn.", "1.7. - 12.7.2024", "DATE",
     "2024-07-01/2024-07-12", None),
    ("The shift runs Nov 13 23:30 - 3:35 at the plant.", "Nov 13 23:30 - 3:35", "TIME",
     "2023-11-13T23:30/2023-11-14T03:35", None),
    ("It was signed on June 5, Wednesday, in Paris.", "June 5, Wednesday", "DATE", "2024-06-05",
     None),
    ("Protesters are planning a rally on Saturday.", "Saturday", "DATE", "2024-06-29", None),
    ("The envoy may arrive as early as Tuesday.", "Tuesday", "DATE", "2024-07-02", "START"),
    ("Police said the shooting on Nov. 3 shocked the town.", "Nov. 3", "DATE", "2023-11-03",
     None),
    # round 5: tense of the whole clause before a weekday or month (past unless it looks ahead)
    ("Protesters planned a large demonstration in the old harbour on Saturday.", "Saturday",
     "DATE", "2024-06-29", None),
    ("The father would be traveling to the United States on Saturday.", "Saturday", "DATE",
     "2024-06-29", None),
    ("Banks were likely to buy the stock as soon as trading opened Monday.", "Monday", "DATE",
     "2024-07-01", None),
    ("Until Tuesday, they had not named a suspect.", "Tuesday", "DATE", "2024-06-25",
     "ON_OR_BEFORE"),
    ("A memorial service planned for Saturday was canceled.", "Saturday", "DATE", "2024-06-22",
     None),
    ("It had been due to expire Friday evening.", "Friday evening", "TIME", "2024-06-21TEV",
     None),
    ("They will appeal the decision, announced Wednesday by the agency.", "Wednesday", "DATE",
     "2024-06-26", None),
    ("The firm said it will redeem 9.5 million shares on Oct. 31 at par.", "Oct. 31", "DATE",
     "2024-10-31", None),
    ("The operator changed from a fiscal year to a calendar year in August.", "August", "DATE",
     "2023-08", None),
    ("The firm ended its second quarter on June 30, a day earlier.", "June 30", "DATE",
     "2023-06-30", None),
    ("The offer, which lapsed, was extended to Aug. 20.", "Aug. 20", "DATE", "2024-08-20", None),
    ("The dispute may be settled in a hearing in August.", "August", "DATE", "2024-08", None),
    # the week of a date; a clock hour with its part of day
    ("It may be resolved in a hearing the week of March 6, lawyers said.", "the week of March 6",
     "DATE", "2024-W10", None),
    ("Talks were held the week of 12 January 2023 in Oslo.", "the week of 12 January 2023",
     "DATE", "2023-W02", None),
    ("The father will leave at 4 in the morning, he said.", "4 in the morning", "TIME",
     "2024-06-27T04:00", None),
    ("The shops close at 8 in the evening on weekdays.", "8 in the evening", "TIME",
     "2024-06-27T20:00", None),
    ("They met at ten o'clock in the hall.", "ten o'clock", "TIME", "2024-06-27T10:00", None),
    ("Families kept the secret for more than two thousand years.",
     "more than two thousand years", "DURATION", "P2000Y", "MORE_THAN"),
    # round 6: present-tense verbs of a schedule look ahead; a scheduled event up to half a
    # year ahead is the next one; a weekday range in a recurring context is a SET
    ("He could be convicted before his term ends in January.", "January", "DATE", "2025-01",
     None),
    ("The trial begins Monday in Tampa.", "Monday", "DATE", "2024-07-01", None),
    ("It is unclear what happens after the presidential election in November.", "November",
     "DATE", "2024-11", None),
    ("The store is open six days a week, Monday through Saturday.", "Monday", "SET",
     "XXXX-WXX-1", None),
    ("The store is open six days a week, Monday through Saturday.", "Saturday", "SET",
     "XXXX-WXX-6", None),
    ("The sale runs Monday through Saturday.", "Monday", "DATE", "2024-06-24", None),
    ("This May the company grew.", "This May", "DATE", "2024-05", None),
    # a weekday or month that starts its sentence or clause: the words after it read the tense
    ("Rain fell. On Tuesday, the league will meet in Bern.", "Tuesday", "DATE", "2024-07-02",
     None),
    ("On Monday, the National Abortion Rights Action League plans to air ads.", "Monday", "DATE",
     "2024-07-01", None),
    ("Shares rose, but on Friday the board is expected to vote.", "Friday", "DATE",
     "2024-06-28", None),
    ("In March, the company will list its shares.", "March", "DATE", "2025-03", None),
    ("Tuesday's meeting will be held in Oslo.", "Tuesday", "DATE", "2024-07-02", None),
    # ... but a past cue that comes first keeps it in the past (false friends)
    ("On Tuesday, the league said it will meet again.", "Tuesday", "DATE", "2024-06-25", None),
    ("On Friday, the government planned to pay the claims.", "Friday", "DATE", "2024-06-21",
     None),
    ("On Monday, officials met. They will meet again.", "Monday", "DATE", "2024-06-24", None),
    ("In March, the company listed its shares and will expand.", "March", "DATE", "2024-03",
     None),
    ("Officials who met on Tuesday will report soon.", "Tuesday", "DATE", "2024-06-25", None),
    # "April 24 and 25": two days, each its own mention (as TimeML annotates them)
    ("The summit on April 24 and 25 drew crowds.", "April 24", "DATE", "2024-04-24", None),
    ("The summit on April 24 and 25 drew crowds.", "25", "DATE", "2024-04-25", None),
    ("The talks on 3 and 4 June 2023 ended.", "3", "DATE", "2023-06-03", None),
    ("The talks on 3 and 4 June 2023 ended.", "4 June 2023", "DATE", "2023-06-04", None),
    ("The assaults on Sept. 11 and 12, 2012 were studied.", "12, 2012", "DATE", "2012-09-12",
     None),
    ("Daily briefings continue.", "Daily", "SET", "P1D", None),
]

# A month without a year read against other publication dates: tense, schedule verbs, events
DIRECTIONS = [
    ("But his re-election bid in November is far from clear.", date(2020, 1, 22), "2020-11"),
    ("If he is convicted before his term ends in January, the governor could act.",
     date(2017, 9, 22), "2018-01"),
    ("It is unclear what happens after the presidential election in November.",
     date(2012, 7, 15), "2012-11"),
    ("The program officially ends in March.", date(2017, 9, 4), "2018-03"),
    # ... but not an event told of in the past
    ("Biden won the election in November.", date(2021, 1, 15), "2020-11"),
    ("He has met donors since the election in November.", date(2013, 1, 24), "2012-11"),
    ("Opponents fought over the compromise vote in December.", date(2014, 1, 29), "2013-12"),
    ("Prices rise in November.", date(2020, 1, 15), "2019-11"),
]


@pytest.mark.parametrize(("text", "pub", "value"), DIRECTIONS)
def test_yearless_month_direction(text: str, pub: date, value: str) -> None:
    published = datetime(pub.year, pub.month, pub.day, 12, tzinfo=UTC)
    months = run(text, published).filter(pl.col("timex_type") == "DATE")
    assert months["value"].to_list() == [value]

# Scheduling fragments: a text that is one short time expression, no tense, no past cue.
FRAGMENTS = [
    ("Friday 14", date(2024, 6, 27), "2025-02-14"),
    ("03APR 11:40", date(2024, 6, 27), "2025-04-03T11:40"),
    ("13.01", date(2024, 6, 27), "2025-01-13"),
    ("8.5. Tuesday", date(2024, 6, 27), "2025-05-08"),
    ("next Tuesday - Friday", date(2024, 6, 27), "2024-07-02/2024-07-05"),
    ("at 8pm", date(2024, 6, 27), "XXXX-XX-XXT20:00"),
    ("08:00 - 13:00", date(2024, 6, 27), "XXXX-XX-XXT08:00/XXXX-XX-XXT13:00"),
    ("April", date(2024, 6, 27), "XXXX-04"),
    ("Jan. 3rd 2:30 pm", date(2024, 6, 27), "2025-01-03T14:30"),
    # round 4: lower case and abbreviations, parts of day, bare days, open ends, two-digit years
    ("tuesday", date(2024, 6, 27), "2024-07-02"),
    ("on Tue", date(2024, 6, 27), "2024-07-02"),
    ("apr.", date(2024, 6, 27), "XXXX-04"),
    ("may 8", date(2024, 6, 27), "2025-05-08"),
    ("May/8", date(2024, 6, 27), "2025-05-08"),
    ("eom", date(2024, 6, 27), "2024-06-30"),
    ("end of the year", date(2024, 6, 27), "2024-12-31"),
    ("morning", date(2024, 6, 27), "2024-06-28"),
    ("late evening", date(2024, 6, 27), "2024-06-27"),
    ("december 6 afternoon", date(2024, 6, 27), "2024-12-06"),
    ("2.", date(2024, 6, 27), "2024-07-02"),
    ("the 13.", date(2024, 6, 27), "2024-07-13"),
    ("11", date(2024, 6, 27), "2024-07-11"),
    ("24th 12:50", date(2024, 6, 27), "2024-07-24T12:50"),
    ("16-04-19", date(2016, 4, 12), "2016-04-19"),
    ("09-10-16", date(2016, 10, 7), "2016-10-09"),
    ("2 jul 93", date(2024, 6, 27), "1993-07-02"),
    ("28-05 09:00", date(2024, 6, 27), "2025-05-28T09:00"),
    ("02-05.4", date(2024, 3, 18), "2024-04-02/2024-04-05"),
    ("after 4pm", date(2024, 6, 27), "XXXX-XX-XXT16:00/.."),
    ("26.11. not after 08:00", date(2024, 6, 27), "../2024-11-26T08:00"),
    ("Mon, Nov 13 after 1:30 PM", date(2024, 6, 27), "2024-11-13T13:30/.."),
    ("August 5th at 8", date(2024, 6, 27), "2024-08-05T08:00"),
    ("20h", date(2024, 6, 27), "XXXX-XX-XXT20:00"),
    ("Dec 19th between 9.30 and 10.45", date(2024, 6, 27), "2024-12-19T09:30/2024-12-19T10:45"),
    ("7. April 12.30h", date(2024, 6, 27), "2025-04-07T12:30"),
    ("Friday, 25.11. 10 am", date(2024, 6, 27), "2024-11-25T10:00"),
    ("on Monday - 01.07.2024", date(2024, 6, 27), "2024-07-01"),
    ("from Tuesday to Friday", date(2024, 6, 27), "2024-07-02/2024-07-05"),
    ("noon", date(2024, 6, 27), "2024-06-28"),
    ("next Friday", date(2024, 6, 26), "2024-07-05"),
    ("sunday night", date(2024, 6, 27), "2024-06-30"),
    ("at 4:30 in the afternoon", date(2024, 6, 27), "XXXX-XX-XXT16:30"),
    ("in the evening between 8 and 9", date(2024, 6, 27), "XXXX-XX-XXT20:00/XXXX-XX-XXT21:00"),
    ("Monday morning, 19.8.24", date(2024, 6, 27), "2024-08-19"),
]


@pytest.mark.parametrize(("text", "pub", "value"), FRAGMENTS)
def test_fragments_resolve_forward(text: str, pub: date, value: str) -> None:
    out = run(text, datetime(pub.year, pub.month, pub.day, 12, tzinfo=UTC))
    assert value in out["value"].to_list(), out.select("text", "value").rows()


def test_clock_time_anchors_to_the_day_mentioned_before() -> None:
    text = "Kopp was seen on Oct. 13, 2023. A neighbour saw his car at 6 a.m. outside."
    row = one(text, "6 a.m.")
    assert (row["value"], row["anchor"]) == ("2023-10-13T06:00", "previous_date")
    assert one("The vote starts at 10 a.m. sharp.", "10 a.m.")["value"] == "2024-06-27T10:00"


def test_sentence_is_not_a_fragment() -> None:
    # short, but a sentence: nearest reading, clock time on the publication day
    assert one("He spoke on Friday at 8pm.", "Friday at 8pm")["value"] == "2024-06-21T20:00"
    assert run("Shares rose on Thursday 12 people said.")["text"].to_list() == ["Thursday"]

# Known misses, kept honest: strict xfail flips to a failure once a rule fixes them.
KNOWN_MISSES = [
    ("Employment rose in the weeks before the vote.", "the weeks", "DURATION", "PXW", None),
]


@pytest.mark.xfail(strict=True, reason="not handled yet")
@pytest.mark.parametrize(("text", "span", "typ", "value", "mod"), KNOWN_MISSES)
def test_known_misses(text: str, span: str, typ: str, value: str, mod: str | None) -> None:
    row = one(text, span)
    assert (row["timex_type"], row["value"], row["modifier"]) == (typ, value, mod)


def test_month_half_a_year_ahead_is_last_year() -> None:
    march = datetime(2024, 3, 1, tzinfo=UTC)
    row = one("The boy was rescued in December.", "December", published=march)
    assert row["value"] == "2023-12"


def test_following_year_from_previous_date() -> None:
    row = one("He was promoted on Jan. 2, 1995, and the following year he left.",
              "the following year")
    assert (row["value"], row["anchor"]) == ("1996", "previous_date")


def test_ranges_in_prose_stay_two_rows() -> None:
    out = run("Shares bought from Aug. 26 to Oct. 20 rose.")
    assert out.select("text").to_series().to_list() == ["Aug. 26", "Oct. 20"]


@pytest.mark.parametrize(("text", "span", "typ", "value", "mod"), CASES)
def test_forms(text: str, span: str, typ: str, value: str, mod: str | None) -> None:
    row = one(text, span)
    assert (row["timex_type"], row["value"], row["modifier"]) == (typ, value, mod)


RANGES = [
    ("Polls are open June 19–26 in most regions.", "June 19–26", date(2024, 6, 19),
     date(2024, 6, 26)),
]


@pytest.mark.parametrize(("text", "span", "first", "last"), RANGES)
def test_ranges(text: str, span: str, first: date, last: date) -> None:
    row = one(text, span)
    assert (row["start_date"], row["end_date"]) == (first, last)


def test_days_joined_by_and_give_two_rows() -> None:
    out = run("Talks on April 24 and 25 and polls on June 19-26.")
    assert out.select("text").to_series().to_list() == ["April 24", "25", "June 19-26"]


def test_range_of_years_gives_two_rows() -> None:
    out = run("Output grew between 2020 and 2022.")
    assert out.select("text", "value").rows() == [("2020", "2020"), ("2022", "2022")]


FALSE_FRIENDS = [
    "North Korea may deploy troops.",
    "Protesters march on the capital.",
    "Mark Rutte spoke to reporters.",
    "August Wilson wrote the play.",
    "The US sent 2,000 troops.",
    "It bought F-16 jets.",
    "The deal is worth $115 million.",
    "Call 555-123-4567 for details.",
    "The home side won 3-2 on penalties.",
    "Support rose to 45 percent, or 45%.",
    "See section 4.2.1 of the report.",
    "The city has 1.5 million people.",
    "Growth was 13.01 points.",
    "Rates rose 3-4.5 percent.",
    "The plan, 1/2 done, was 2.5. Then",
    "He won the 2nd round.",
    "They paid $2024 in fees.",
    "The company employs 2000 workers.",
    "Mr. Smith, 52 years old, retired.",
    "The plan saves $2 million a year.",
    "About three-quarters of the food is imported.",
    # round 4: words that only a scheduling fragment reads as dates
    "They sat in the sun on the mar for a morning swim.",
    "Troops may 2 times a week patrol the area.",
    "The vote was 5. Then 12. They left.",
    "Night fell and the morning papers came.",
    "Scores were 28-05 and 16-04-19 in the final.",
    "Sat. morning he wed her, they said.",
    "The score was 2 after 4 rounds.",
    # round 5: a lower-case month name as a noun, an idiom
    "He was arrested at this march in each of the last years.",
    "He has joined last march and the one before.",
    "For the people of Poland, high noon comes at last.",
    "The film High Noon won awards.",
    # round 6: the modal "may" in a headline or after "each"; a capitalised "Daily"/"Weekly"
    # in a name
    "“This may be our only chance,” he said.",
    "“This May Be Our Only Chance”",
    "THIS MAY BE OUR ONLY CHANCE",
    "Parents each may choose a school.",
    "Sign up for Daily Newsletters",
    "A story in the Daily Mail and the Weekly Standard.",
]


@pytest.mark.parametrize("text", FALSE_FRIENDS)
def test_false_friends(text: str) -> None:
    assert run(text).height == 0, run(text).select("text", "value").rows()


def test_unresolved_without_publication_date() -> None:
    row = one("The ISW reported on 26 June that troops moved.", "26 June", published=None)
    assert row["value"] == "XXXX-06-26"
    assert row["anchor"] == "unresolved"
    assert one("He spoke on Tuesday.", "Tuesday", published=None)["value"] == "XXXX-WXX-2"


def test_many_articles_and_empty() -> None:
    articles = frame(["Nothing here.", ARTICLE, "", "Yesterday and today."])
    out = extract_dates(articles)
    assert check_offsets(out, articles).height == 0
    assert set(out["article_id"]) == {"a1", "a3"}
    assert extract_dates(frame(["no dates at all"])).height == 0


def test_non_ascii_offsets() -> None:
    text = "Zełenski — “on 26 June” — and again on 19 June 2024."
    out = run(text)
    assert {r["text"] for r in out.iter_rows(named=True)} == {"26 June", "19 June 2024"}


def test_batch_equals_one_by_one() -> None:
    """Per-call caches and the adjacency pre-filter of the merge pass: an article's rows do
    not depend on the batch it comes in, nor on what earlier calls saw."""
    texts = [
        ARTICLE,
        "Nov 13 13:30 - 15:35 and Aug 5 at 8pm; at 10 p.m. on Aug 5; Tuesday - Friday.",
        "From 3/4/2020 to 5/4/2020, then 2019 and 2020, the following year.",
        "In 2019 there were 2020 seats. Friday 14 people came; the 22nd.",
    ]
    batch = extract_dates(frame(texts))
    single = pl.concat(
        [extract_dates(frame([t])).with_columns(pl.lit(f"a{i}").alias("article_id"))
         for i, t in reversed(list(enumerate(texts)))]
    )
    key = ["article_id", "start", "end"]
    assert batch.sort(key).equals(single.sort(key))


# ----------------------------------------------------------------------------- speed-ups
# The fast paths must give what the plain computation gives.


def test_cue_prefilter_matches_capturing_pass() -> None:
    from pipelines.extract.dates import _cues
    from pipelines.extract.dates_rules import prefix_pattern

    lefts = pl.Series(["", "met ", "as early as the beginning of ", "since  ", "in the early ",
                       "around mid-", "x-", "by\u00a0", "In ", "Since\tlate ", "more than ",
                       "the end of ", "until the end of ", "unknown ", "early"])
    co, inner = _cues(lefts)
    groups = lefts.str.extract_groups(prefix_pattern())
    assert co.to_list() == groups.struct.field("co").fill_null("").to_list()
    assert inner.to_list() == groups.struct.field("inner").fill_null("").to_list()


def test_ascii_rule_dispatch_matches_ignorecase() -> None:
    from pipelines.extract.dates_rules import _first_rule, _first_rule_ascii

    texts = ["March 18, 2010", "JUNE 2024", "six Years", "2016", "Friday", "3:30 P.M.",
             "the 1990s", "Q3 2019", "FY2020", "the past week", "12.5", "tue", "Christmas",
             "two weeks ago", "every Monday", "8.5.", "nonsense words"]
    for text in texts:
        for variant in (text, text.upper(), text.lower(), text.swapcase()):
            fast = _first_rule_ascii().fullmatch(variant.lower())
            slow = _first_rule().fullmatch(variant)
            assert (fast and fast.lastgroup) == (slow and slow.lastgroup), variant


def test_rule_dispatch_of_non_ascii_strings() -> None:
    # lower-cased, a non-ASCII string reads the same in the fast union unless one of its
    # letters folds to an ASCII one only case-insensitively (`_FOLD_ODD`)
    from pipelines.extract.dates_rules import _FOLD_ODD, _first_rule, _first_rule_ascii

    texts = ["June 19–26", "26\xa0June 2024", "Sept. 5 – 7", "Zełenski", "MÄRZ 2024",
             "Ünal 12.03.2021", "ÉTÉ 2019", "août 2020"]
    for text in texts:
        for variant in (text, text.upper(), text.lower()):
            low = variant.lower()
            if len(low) != len(variant) or not _FOLD_ODD.isdisjoint(variant):
                continue
            fast = _first_rule_ascii().fullmatch(low)
            slow = _first_rule().fullmatch(variant)
            assert (fast and fast.lastgroup) == (slow and slow.lastgroup), variant


def test_cue_rules_cover_every_rule_reading_has_cue() -> None:
    """`interpret_core` shares a spec between cue and no cue unless a rule in `_CUE_RULES`
    was tried: every branch of `_interp_rule` that reads `has_cue` must be listed."""
    import ast
    import inspect

    from pipelines.extract import dates_rules

    tree = ast.parse(inspect.getsource(dates_rules._interp_rule))
    reading: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)):
            continue
        test = node.test
        if not (isinstance(test.left, ast.Name) and test.left.id == "name"):
            continue
        names = {c.value for c in ast.walk(test.comparators[0])
                 if isinstance(c, ast.Constant) and isinstance(c.value, str)}
        body = ast.Module(body=node.body, type_ignores=[])
        if any(isinstance(n, ast.Name) and n.id == "has_cue" for n in ast.walk(body)):
            reading |= names
    assert reading and reading <= dates_rules._CUE_RULES


def test_cue_and_no_cue_specs_in_any_order() -> None:
    from pipelines.extract import dates_rules as rules

    schema = list(rules.SPEC_SCHEMA)
    for first, second in ((("in ", ""), ("", "")), (("", ""), ("in ", ""))):
        rules._CORE.clear()
        rules._CORE_ANY.clear()
        rules._plain_row.cache_clear()
        rules._cues.cache_clear()
        got = {cue: rules.interpret("1850", *cue) for cue in (first, second)}
        assert got[("in ", "")][schema.index("ctx")] == "year"
        assert not got[("", "")][schema.index("ok")]  # a bare year outside 1900-2099
        got = {cue: rules.interpret("1995", *cue) for cue in (first, second)}
        assert got[("in ", "")][schema.index("ctx")] == "year"
        assert got[("", "")][schema.index("ctx")] == "bare_year"
