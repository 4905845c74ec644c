"""How the sample files were derived from the ISLP package's data (run once; kept for the record).

    pip download --no-deps ISLP && unzip -o islp-*.whl 'ISLP/data/*' -d islp
    python sample_data/make_samples.py islp/ISLP/data

Only rows are selected and columns renamed/added (a customer id); no value is altered.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

src = Path(sys.argv[1])
out = Path(__file__).parent
rng = np.random.default_rng(2026)

credit = pd.read_csv(src / "Default.csv")
credit.columns = [c.lower() for c in credit.columns]
credit.insert(0, "customer_id", [f"C{i:05d}" for i in range(1, len(credit) + 1)])
credit = credit[["customer_id", "student", "balance", "income", "default"]]
order = rng.permutation(len(credit))
train, pool = credit.iloc[np.sort(order[:7000])], credit.iloc[order[7000:]]
batch = pool.iloc[:1000].sort_values("customer_id")
rest = pool.iloc[1000:]
# A real covariate shift: students and high balances are over-represented in this batch.
weight = np.where(rest["student"].eq("Yes"), 4.0, 1.0) * (rest["balance"].rank(pct=True) + 0.2)
pick = rng.choice(len(rest), size=1000, replace=False, p=weight / weight.sum())
drift = rest.iloc[pick].sort_values("customer_id")
train.to_csv(out / "credit_default.csv", index=False)
for name, frame in (("credit_batch", batch), ("credit_batch_drift", drift)):
    frame.drop(columns="default").to_csv(out / f"{name}.csv", index=False)
    frame[["customer_id", "default"]].to_csv(out / f"{name}_labels.csv", index=False)

bikes = pd.read_csv(src / "Bikeshare.csv")
late = bikes["mnth"].isin(["Nov", "Dec"])
bikes[~late].to_csv(out / "bikeshare.csv", index=False)
for month in ("Nov", "Dec"):
    part = bikes[bikes["mnth"] == month]
    part.drop(columns="bikers").to_csv(out / f"bikeshare_batch_{month.lower()}.csv", index=False)
    part[["day", "hr", "bikers"]].to_csv(out / f"bikeshare_batch_{month.lower()}_labels.csv", index=False)
