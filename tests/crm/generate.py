#!/usr/bin/env python3
"""Writes the tests/crm exports in shapes the model did not write (issue 30), by hand-made
rules, not by salesim: run `python3 tests/crm/generate.py` from the repository root. Seeded:
the same files every time. tests/calibrate.rs asserts each one's expected outcome."""
import csv
import datetime as dt
import random

HERE = "tests/crm/"


def mdy(d):
    return f"{d.month}/{d.day}/{d.year}"


def pipeline_shape(path, rng, reps=30, accounts=85, n=8800, win=0.63, median=1100.0,
                   open_share=0.18, start=dt.date(2016, 10, 20), days=430, header=None,
                   amount_fmt="{:.0f}"):
    """A sales-pipeline export like the public CRM sample: opportunity_id, sales_agent, product,
    account, deal_stage (Won/Lost/Engaging/Prospecting), engage_date, close_date, close_value,
    m/d/Y dates. Open rows: Engaging (account and engage date, no close) and Prospecting (no
    account, no engage date: leads)."""
    header = header or ["opportunity_id", "sales_agent", "product", "account", "deal_stage",
                        "engage_date", "close_date", "close_value"]
    agents = [f"Agent {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(reps)]
    names = [f"Account {i:03d}" for i in range(accounts)]
    products = ["GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTK 500"]
    rows = []
    for i in range(n):
        agent = rng.choice(agents)
        account = rng.choice(names)
        created = start + dt.timedelta(days=rng.randrange(days))
        u = rng.random()
        if u < open_share:
            if rng.random() < 0.5:
                stage, account_cell, engage, close, value = "Engaging", account, mdy(created), "", ""
            else:
                stage, account_cell, engage, close, value = "Prospecting", "", "", "", ""
        else:
            won = rng.random() < win
            cycle = max(1, int(rng.lognormvariate(3.9, 0.7)))
            closed = created + dt.timedelta(days=cycle)
            stage = "Won" if won else "Lost"
            value = amount_fmt.format(rng.lognormvariate(0, 0.9) * median) if won else "0"
            account_cell, engage, close = account, mdy(created), mdy(closed)
        rows.append([f"OPP{i:05d}X", agent, rng.choice(products), account_cell, stage, engage,
                     close, value])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return rows


def custom(path, rows):
    """A file with the fields' own names (no --map needed)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "account", "owner", "created", "closed", "outcome", "amount"])
        w.writerows(rows)


def simple_market(rng, n, reps, accounts, win, median, start=dt.date(2023, 1, 2), days=540):
    rows = []
    for i in range(n):
        created = start + dt.timedelta(days=rng.randrange(days))
        closed = created + dt.timedelta(days=max(1, int(rng.lognormvariate(3.6, 0.6))))
        outcome = "won" if rng.random() < win else "lost"
        amount = f"{rng.lognormvariate(0, 0.8) * median:.2f}"
        rows.append([f"o{i}", f"acct-{rng.randrange(accounts)}", f"rep-{rng.randrange(reps)}",
                     created.isoformat(), closed.isoformat(), outcome, amount])
    return rows


def main():
    rng = random.Random(30)
    # Many deals per account: ~100 opportunities per account, 30 reps, 85 accounts.
    pipeline_shape(HERE + "shape_many_deals_per_account.csv", rng)
    # Few accounts, high win rates, small deals: read as they are.
    custom(HERE + "shape_few_accounts.csv", simple_market(rng, 60, 3, 6, 0.4, 20000))
    custom(HERE + "shape_high_win_rate.csv", simple_market(rng, 200, 4, 150, 0.9, 15000))
    custom(HERE + "shape_small_deals.csv", simple_market(rng, 200, 4, 150, 0.3, 45))
    # Open leads without accounts (and without engage dates): open pipeline, not bad rows.
    pipeline_shape(HERE + "shape_open_leads.csv", rng, reps=5, accounts=40, n=300,
                   open_share=0.4)
    # Outliers, one kind per file, in an otherwise clean export.
    base = simple_market(rng, 120, 4, 80, 0.35, 20000, start=dt.date(2016, 1, 4), days=700)
    rows = [r[:] for r in base]
    rows[40][3] = "1900-03-02"  # a typo'd year
    custom(HERE + "bad_outlier_date.csv", rows)
    rows = [r[:] for r in base]
    won = [r for r in rows if r[5] == "won"]
    won[3][6] = "250000000.00"  # an amount orders of magnitude from the rest
    custom(HERE + "bad_outlier_amount.csv", rows)
    rows = [r[:] for r in base]
    for r in rows:  # thousands written with dots: 34.273 meaning 34,273
        r[6] = f"{float(r[6]) / 1000:.3f}"
    custom(HERE + "bad_three_decimals.csv", rows)
    # An unclosed quote: line 12's account opens a quote that never closes.
    lines = [",".join(["id", "account", "owner", "created", "closed", "outcome", "amount"])]
    lines += [",".join(r) for r in base[:60]]
    lines[11] = lines[11].replace(",acct-", ',"acct-', 1)
    with open(HERE + "bad_unclosed_quote.csv", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
