# Writes big.csv, a ~200 MB Salesforce-layout export (about 1.96 million opportunities, 150 reps,
# 60,000 accounts), for the memory measurement of BENCHMARKS.md section 20. Seeded.
import random, datetime as dt
rng = random.Random(7)
start = dt.date(2021, 1, 4)
with open("big.csv", "w") as f:
    f.write("Opportunity ID,Opportunity Name,Account ID,Opportunity Owner,Stage,Amount,Created Date,Close Date,Loss Reason\n")
    i = 0
    size = 0
    while size < 200 * 1024 * 1024:
        a = rng.randrange(60000)
        c = start + dt.timedelta(days=rng.randrange(1000))
        won = rng.random() < 0.25
        cl = c + dt.timedelta(days=int(rng.lognormvariate(3.8, 0.6)))
        stage = "Closed Won" if won else "Closed Lost"
        amt = f"{rng.lognormvariate(10, 1):.2f}"
        reason = "" if won else rng.choice(["No decision", "Lost to competitor"])
        line = f"opp-{i},acct-{a} - opp-{i},acct-{a},rep-{rng.randrange(150):03d},{stage},{amt},{c.month}/{c.day}/{c.year},{cl.month}/{cl.day}/{cl.year},{reason}\n"
        f.write(line)
        size += len(line)
        i += 1
print(i)
