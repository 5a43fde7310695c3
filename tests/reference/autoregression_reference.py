"""Reference numbers for tests/lib/autoregression.test.ts and tests/lib/series.test.ts.

Run from the repository root with Debian's python3-statsmodels 0.13.5:
    /usr/bin/python3 tests/reference/autoregression_reference.py
It reads data/sunspots-yearly.csv and data/co2-monthly.csv and writes
tests/reference/autoregression.json.

Sources of each number:
  acf            statsmodels.tsa.stattools.acf (adjusted=False: denominator n)
  pacf           statsmodels.tsa.stattools.pacf, method "ldbiased" (Durbin-Levinson on the
                 denominator-n autocovariances) and "ldadjusted" (denominator n - k)
  AR by OLS      statsmodels.tsa.ar_model.AutoReg(x, p, trend="c").fit(): sigma2 = SSR / nobs,
                 nobs = n - p, llf = -nobs/2 (log(2 pi sigma2) + 1),
                 aic = -2 llf + 2 (p + 2), bic = -2 llf + log(nobs) (p + 2)
                 (p lags + intercept + sigma2)
  order choice   statsmodels.tsa.ar_model.ar_select_order(x, maxlag, ic): every p is fit on
                 the same sample x[maxlag:]; the table below is AutoReg's aic/bic on that
                 common sample (ar_select_order's own values differ from these by a constant)
  Yule-Walker    statsmodels.regression.linear_model.yule_walker(x, p, method="mle" and
                 "adjusted"); it returns sigma (a standard deviation), squared here
  AR forecasts   AutoRegResults.get_prediction(...).summary_frame(alpha=0.05)
  ARIMA by CSS   statsmodels 0.13.5 has no conditional-sum-of-squares ARIMA (the old
                 statsmodels.tsa.arima_model.ARIMA, which had method="css", raises
                 NotImplementedError since 0.13; statsmodels.tsa.arima.model.ARIMA offers only
                 exact likelihood and Hannan-Rissanen, innovations, Burg, Yule-Walker
                 estimators). So this script writes the CSS objective itself with
                 scipy.signal.lfilter and minimises it with scipy.optimize.least_squares
                 (Levenberg-Marquardt): an implementation independent of lib/ (other
                 language, other optimiser, other recursion code). Forecast psi-weights come
                 from statsmodels.tsa.arima_process.arma2ma. The exact-likelihood
                 statsmodels ARIMA fit is recorded too, as a sanity check that CSS is close.
  CO2 gaps       pandas reindex onto a complete monthly grid + interpolate(method="linear")
"""
import json

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import optimize, signal, stats
from statsmodels.regression.linear_model import yule_walker
from statsmodels.tsa.ar_model import AutoReg, ar_select_order
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.stattools import acf, pacf

out = {
    "versions": {
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }
}

sun = pd.read_csv("data/sunspots-yearly.csv")["sunactivity"].to_numpy(dtype=float)
co2raw = pd.read_csv("data/co2-monthly.csv", parse_dates=["date"])


def ar_ols(x, p, steps=10):
    res = AutoReg(x, p, trend="c", old_names=False).fit()
    pred = res.get_prediction(start=len(x), end=len(x) + steps - 1).summary_frame(alpha=0.05)
    return {
        "p": p,
        "intercept": float(res.params[0]),
        "phi": [float(v) for v in res.params[1:]],
        "sigma2": float(res.sigma2),
        "logLik": float(res.llf),
        "aic": float(res.aic),
        "bic": float(res.bic),
        "nobs": int(res.nobs),
        "forecastMean": [float(v) for v in pred["mean"]],
        "forecastLower95": [float(v) for v in pred["mean_ci_lower"]],
        "forecastUpper95": [float(v) for v in pred["mean_ci_upper"]],
    }


def select_table(x, max_p, ic):
    chosen = ar_select_order(x, max_p, ic=ic, trend="c", old_names=False).ar_lags
    table = []
    for p in range(0, max_p + 1):
        res = AutoReg(x[max_p - p:], p, trend="c", old_names=False).fit()
        table.append({"p": p, "aic": float(res.aic), "bic": float(res.bic), "nobs": int(res.nobs)})
    return {"maxP": max_p, "criterion": ic, "selected": 0 if chosen is None else int(max(chosen)), "table": table}


def yw(x, p, method):
    rho, sigma = yule_walker(x, order=p, method=method, demean=True)
    return {"p": p, "method": method, "phi": [float(v) for v in rho], "sigma2": float(sigma**2),
            "intercept": float(np.mean(x) * (1 - np.sum(rho)))}


def css_residuals(params, w, p, q, with_intercept):
    """e_t = w_t - c - sum phi_i w_{t-i} - sum theta_j e_{t-j}, t = p..m-1, zero pre-sample e."""
    c = params[0] if with_intercept else 0.0
    k = 1 if with_intercept else 0
    phi = params[k:k + p]
    theta = params[k + p:k + p + q]
    # u_t = w_t - c - sum phi_i w_{t-i} for t >= p
    u = w[p:] - c
    for i in range(1, p + 1):
        u = u - phi[i - 1] * w[p - i:len(w) - i]
    # theta(B) e = u  ->  e = lfilter([1], [1, theta...], u) with zero initial state
    return signal.lfilter([1.0], np.r_[1.0, theta], u)


def arima_css(x, p, d, q, with_intercept, steps=12):
    x = np.asarray(x, dtype=float)
    w = np.diff(x, n=d) if d > 0 else x.copy()
    # start: OLS AR(p) for the AR part, zeros for theta
    k = 1 if with_intercept else 0
    start = np.zeros(k + p + q)
    if p > 0:
        res = AutoReg(w, p, trend="c" if with_intercept else "n", old_names=False).fit()
        start[: k + p] = res.params
    elif with_intercept:
        start[0] = w.mean()
    fit = optimize.least_squares(css_residuals, start, args=(w, p, q, with_intercept), method="lm",
                                 xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=100000)
    params = fit.x
    e = css_residuals(params, w, p, q, with_intercept)
    nobs = len(e)
    sigma2 = float(np.sum(e**2) / nobs)
    loglik = -nobs / 2 * (np.log(2 * np.pi * sigma2) + 1)
    n_params = k + p + q + 1
    c = params[0] if with_intercept else 0.0
    phi = params[k:k + p]
    theta = params[k + p:]
    # h-step forecasts of w: future shocks zero, past shocks the CSS residuals
    wf = list(w)
    ef = list(np.r_[np.zeros(p), e])
    for _ in range(steps):
        t = len(wf)
        val = c + sum(phi[i] * wf[t - 1 - i] for i in range(p)) + sum(theta[j] * ef[t - 1 - j] for j in range(q))
        wf.append(val)
        ef.append(0.0)
    wf = np.array(wf[len(w):])
    # back to the original scale: integrate d times starting from the observed series
    xf = wf
    for level in range(d, 0, -1):
        base = np.diff(x, n=level - 1) if level > 1 else x
        xf = base[-1] + np.cumsum(xf)
    # psi-weights of phi(B) (1 - B)^d x = theta(B) e
    ar_poly = np.r_[1.0, -phi]
    for _ in range(d):
        ar_poly = np.convolve(ar_poly, [1.0, -1.0])
    psi = arma2ma(ar_poly, np.r_[1.0, theta], lags=steps)
    se = np.sqrt(sigma2 * np.cumsum(psi**2))
    z = stats.norm.ppf(0.975)
    exact = ARIMA(x, order=(p, d, q), trend="c" if (with_intercept and d == 0) else "n").fit()
    return {
        "order": {"p": p, "d": d, "q": q},
        "withIntercept": with_intercept,
        "intercept": float(c),
        "phi": [float(v) for v in phi],
        "theta": [float(v) for v in theta],
        "sigma2": sigma2,
        "css": float(np.sum(e**2)),
        "logLik": float(loglik),
        "aic": float(-2 * loglik + 2 * n_params),
        "bic": float(-2 * loglik + np.log(nobs) * n_params),
        "nobs": nobs,
        "residualsFirst5": [float(v) for v in e[:5]],
        "residualsLast5": [float(v) for v in e[-5:]],
        "forecastMean": [float(v) for v in xf],
        "forecastSe": [float(v) for v in se],
        "forecastLower95": [float(v) for v in xf - z * se],
        "forecastUpper95": [float(v) for v in xf + z * se],
        "optimizer": {"status": int(fit.status), "nfev": int(fit.nfev), "cost": float(fit.cost)},
        "exactMLE": {"params": [float(v) for v in exact.params], "names": list(exact.model.param_names)},
    }


# ---- sunspots -------------------------------------------------------------------------
out["sunspots"] = {
    "n": len(sun),
    "acf": [float(v) for v in acf(sun, nlags=20, adjusted=False, fft=False)],
    "pacfMle": [float(v) for v in pacf(sun, nlags=20, method="ldbiased")],
    "pacfAdjusted": [float(v) for v in pacf(sun, nlags=20, method="ldadjusted")],
    "pacfYwDefault": [float(v) for v in pacf(sun, nlags=20)],
    "ar2": ar_ols(sun, 2),
    "ar9": ar_ols(sun, 9),
    "selectAic": select_table(sun, 13, "aic"),
    "selectBic": select_table(sun, 13, "bic"),
    "yuleWalkerMle": yw(sun, 2, "mle"),
    "yuleWalkerAdjusted": yw(sun, 2, "adjusted"),
    "yuleWalkerMle9": yw(sun, 9, "mle"),
    "arma21": arima_css(sun, 2, 0, 1, True),
    "arima111": arima_css(sun, 1, 1, 1, False),
}

# ---- CO2 ------------------------------------------------------------------------------
grid = pd.date_range(co2raw["date"].min(), co2raw["date"].max(), freq="MS")
full = co2raw.set_index("date")["co2"].reindex(grid).interpolate(method="linear")
missing = [d.strftime("%Y-%m-%d") for d in grid if d not in set(co2raw["date"])]
co2 = full.to_numpy()
d1 = np.diff(co2)
out["co2"] = {
    "nRows": int(len(co2raw)),
    "nMonths": int(len(grid)),
    "first": grid[0].strftime("%Y-%m-%d"),
    "last": grid[-1].strftime("%Y-%m-%d"),
    "filled": missing,
    "filledValues": [float(full[pd.Timestamp(m)]) for m in missing],
    "rollingMean12Last3": [float(v) for v in full.rolling(12).mean().to_numpy()[-3:]],
    "rollingMean12Count": int(full.rolling(12).mean().notna().sum()),
    "diff1First5": [float(v) for v in d1[:5]],
    "acfDiff1": [float(v) for v in acf(d1, nlags=24, adjusted=False, fft=False)],
    "pacfDiff1": [float(v) for v in pacf(d1, nlags=24, method="ldbiased")],
    "ar12Diff1": ar_ols(d1, 12),
    "arima211": arima_css(co2, 2, 1, 1, True),
}

with open("tests/reference/autoregression.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
s = out["sunspots"]
print("AR(2):", s["ar2"]["intercept"], s["ar2"]["phi"], s["ar2"]["sigma2"])
print("acf 1-5:", s["acf"][1:6])
print("aic selects", s["selectAic"]["selected"], "bic selects", s["selectBic"]["selected"])
for key in ["arma21", "arima111"]:
    r = s[key]
    print(key, r["intercept"], r["phi"], r["theta"], r["sigma2"], r["optimizer"], r["exactMLE"]["params"])
r = out["co2"]["arima211"]
print("co2 arima211", r["intercept"], r["phi"], r["theta"], r["sigma2"], r["optimizer"])
print("co2 filled", out["co2"]["filled"], out["co2"]["filledValues"])
