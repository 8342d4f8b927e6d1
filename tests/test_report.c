/*
 * test_report.c: the summary formats and number formatting of report.c.
 *
 * One synthetic cmc_results goes through every format. JSON is parsed by Python's
 * json module, which prints each number back with repr (the shortest round-trip
 * text), and every double must come back bit for bit (NaN and infinities as
 * the strings "nan", "inf" and "-inf"). CSV is checked row by row against exact expected lines and parsed with
 * Python's csv module. Markdown and LaTeX must hold the expected rows, escaped
 * names and the booktabs rules. Text must round each percentile to the digit its
 * Monte Carlo interval resolves, show only percentiles that exist, and report
 * non-finite samples. The expected roundings are worked out by hand in comments.
 */
#include "check.h"
#include "report.h"
#include "report_priv.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const double P[] = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.995};
#define NP 11

/* co2_t: median 12456.4635 with MC interval [12431.2, 12480.9]: width 49.7, half
   24.85, so the last digit shown is the tens: 12,460 (12,430 to 12,480). */
static double co2_v[NP] = {6000.5, 7001.25, 8123.4, 9000, 10500, 12456.4635,
                           14000, 16500, 18456.7, 21003.1, 30000};
static double co2_lo[NP] = {5900, 6950.5, 8101.2, 8950, 10480, 12431.2,
                            13980, 16450, 18390.4, 20900.7, 29000};
static double co2_hi[NP] = {6100, 7040.5, 8145.9, 9050, 10520, 12480.9,
                            14020, 16550, 18520.2, 21100.3, 31000};
static double co2_edges[4] = {1000, 3000, 9000, 27000};
static uint64_t co2_counts[3] = {10, 20, 30};

/* energy_kwh: median 51,772,500 within [51,700,000, 51,850,000]: half-width 75,000
   gives 10^4: 51,770,000. Odd doubles check the JSON round trip. */
static double en_v[NP], en_lo[NP], en_hi[NP];

/* a run with its own --percentiles 0.01,0.5,0.99 */
static double cu_p[3] = {0.01, 0.5, 0.99};
static double cu_v[3] = {0.25, 0.5, 0.75};
static double cu_lo[3] = {0.2, 0.49, 0.7};
static double cu_hi[3] = {0.3, 0.51, 0.8};

/* choice(240.6, 20): the median cannot move, its interval has width 0 */
static double ch_v[NP] = {20, 20, 20, 20, 20, 240.6, 240.6, 240.6, 240.6, 240.6, 240.6};

static cmc_stat stats[5];
static cmc_results results;

static void setup(void)
{
    for (int i = 0; i < NP; i++) {
        en_v[i] = 51772500 * (1 + (i - 5) / 10.0);
        en_lo[i] = en_v[i] - 72500;
        en_hi[i] = en_v[i] + 77500;
    }
    en_v[0] = 0.1 + 0.2;         /* 0.30000000000000004 */
    en_v[1] = 1.0 / 3;
    en_lo[0] = 5e-324;           /* the smallest subnormal */
    en_hi[0] = 1.7976931348623157e308;
    en_lo[1] = -0.0;
    en_hi[1] = 1e-300;

    cmc_stat *s = &stats[0];
    s->name = "co2_t";
    s->description = "training emissions";
    s->unit = "t CO2e";
    s->expression = "energy_kwh * intensity / 1e6";
    s->count = 999983;
    s->nonfinite = 17;
    s->mean = 12789.123456;
    s->std = 3210.98765;
    s->mean_se = 3.21;   /* 95% interval of the mean: width 12.58, digit 10^0 */
    s->min = 5123.456;
    s->max = 30456.789;
    s->npercentiles = NP;
    s->p = (double *)P;
    s->value = co2_v;
    s->ci_low = co2_lo;
    s->ci_high = co2_hi;
    s->nbins = 3;
    s->edges = co2_edges;
    s->counts = co2_counts;
    s->log_bins = 1;

    s = &stats[1];
    s->name = "energy_kwh";
    s->description = "training electricity";
    s->unit = "kWh";
    s->expression = "gpu_count * days";
    s->count = 1000000;
    s->mean = 51772500.123;
    s->std = 1.0 / 7;
    s->mean_se = NAN;
    s->min = -INFINITY;
    s->max = INFINITY;
    s->npercentiles = NP;
    s->p = (double *)P;
    s->value = en_v;
    s->ci_low = en_lo;
    s->ci_high = en_hi;

    s = &stats[2];
    s->name = "load.1";
    s->description = "";
    s->unit = "";
    s->expression = "beta(8, 2)";
    s->count = 1000000;
    s->mean = 0.5;
    s->std = 0.1;
    s->mean_se = 0.0001;
    s->min = 0.01;
    s->max = 0.99;
    s->npercentiles = 3;
    s->p = cu_p;
    s->value = cu_v;
    s->ci_low = cu_lo;
    s->ci_high = cu_hi;

    s = &stats[3];
    s->name = "intensity";
    s->description = "grid carbon intensity";
    s->unit = "gCO2e/kWh";
    s->expression = "choice(240.6, 20)";
    s->count = 1000000;
    s->mean = 130.3;
    s->std = 110.3;
    s->mean_se = 0.1103;
    s->min = 20;
    s->max = 240.6;
    s->npercentiles = NP;
    s->p = (double *)P;
    s->value = ch_v;
    s->ci_low = ch_v;
    s->ci_high = ch_v;

    s = &stats[4];
    s->name = "a,\"b\"";   /* cannot come from the parser; exercises quoting */
    s->description = "odd";
    s->unit = "%";
    s->expression = "uniform(1, 2)";
    s->count = 1000000;
    s->mean = 1.5;
    s->std = 0.29;
    s->mean_se = 0.00029;
    s->min = 1;
    s->max = 2;

    results.title = "GPT-4 & co: 100% $_#{}~^\\ \"quoted\"";
    results.tool_version = "0.1.0";
    results.created = "2024-09-17T12:34:56Z";
    results.seed = 18446744073709551557u;
    results.samples = 1000000;
    results.method = "monte carlo";
    results.rng = "philox4x32-10";
    results.source = "";
    results.noutputs = 2;
    results.outputs = &stats[0];
    results.ninputs = 3;
    results.inputs = &stats[2];
}

/* The report as a string (caller frees). */
static char *render(const char *format, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *rc = cmc_report(f, &results, format);
    fclose(f);
    return buf;
}

static void check_has(int line, const char *text, const char *want)
{
    CHECK_MSG(strstr(text, want) != NULL, "line %d: output lacks \"%s\"", line, want);
}
#define HAS(text, want) check_has(__LINE__, text, want)

static char python[256];

static void find_python(void)
{
    const char *py = getenv("CMC_PYTHON");
    snprintf(python, sizeof python, "%s",
             py && *py ? py : access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
                                                                     : "python3");
}

/* Run a Python program on text (stdin from a file); its stdout (caller frees). */
static char *python_on(const char *program, const char *text)
{
    char path[] = "/tmp/cmc_report_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' < '%s'", python, program, path);
    FILE *p = popen(cmd, "r");
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    int c;
    while (p && (c = fgetc(p)) != EOF)
        fputc(c, m);
    fclose(m);
    int st = p ? pclose(p) : -1;
    CHECK_MSG(st == 0, "python exited with %d", st);
    unlink(path);
    return out;
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void test_json(void)
{
    int rc;
    char *json = render("json", &rc);
    CHECK(rc == 0);
    /* every number in order, as Python reads it; 'nan', 'inf', '-inf' for the rest */
    static const char prog[] =
        "import json, sys\n"
        "d = json.load(sys.stdin)\n"
        "print(d[\"title\"].encode(\"unicode_escape\").decode())\n"
        "print(d[\"seed\"], d[\"samples\"], type(d[\"seed\"]).__name__)\n"
        "for kind in (\"outputs\", \"inputs\"):\n"
        "    print(kind, len(d[kind]), \" \".join(d[kind]))\n"
        "    for name, s in d[kind].items():\n"
        "        print(s[\"count\"], s[\"nonfinite\"], repr(s[\"unit\"]))\n"
        "        for k in (\"mean\", \"std\", \"mean_se\", \"min\", \"max\"):\n"
        "            print(repr(s[k]))\n"
        "        print(len(s[\"percentiles\"]))\n"
        "        for q in s[\"percentiles\"]:\n"
        "            for k in (\"p\", \"value\", \"ci_low\", \"ci_high\"):\n"
        "                print(repr(q[k]))\n";
    char *out = python_on(prog, json);
    CHECK(out != NULL);
    if (!out || !json) {
        free(json);
        free(out);
        return;
    }
    char *save, *line = strtok_r(out, "\n", &save);
    CHECK_STR(line, "GPT-4 & co: 100% $_#{}~^\\\\ \"quoted\"");
    line = strtok_r(NULL, "\n", &save);
    CHECK_STR(line, "18446744073709551557 1000000 int");
    int bad = 0, numbers = 0;
    for (int k = 0; k < 2; k++) {
        const cmc_stat *s = k ? results.inputs : results.outputs;
        size_t n = k ? results.ninputs : results.noutputs;
        line = strtok_r(NULL, "\n", &save);
        CHECK(line && !strncmp(line, k ? "inputs " : "outputs ", k ? 7 : 8));
        for (size_t i = 0; i < n; i++) {
            char want[256];
            snprintf(want, sizeof want, "%llu %llu '%s'", (unsigned long long)s[i].count,
                     (unsigned long long)s[i].nonfinite, s[i].unit);
            line = strtok_r(NULL, "\n", &save);
            CHECK_STR(line, want);
            double v[5] = {s[i].mean, s[i].std, s[i].mean_se, s[i].min, s[i].max};
            for (int j = 0; j < 5 + 1 + 4 * (int)s[i].npercentiles; j++) {
                line = strtok_r(NULL, "\n", &save);
                if (!line) {
                    bad++;
                    break;
                }
                if (j == 5) {
                    CHECK(strtoul(line, NULL, 10) == s[i].npercentiles);
                    continue;
                }
                double x = j < 5 ? v[j] : (double[]){s[i].p[(j - 6) / 4],
                                                     s[i].value[(j - 6) / 4],
                                                     s[i].ci_low[(j - 6) / 4],
                                                     s[i].ci_high[(j - 6) / 4]}[(j - 6) % 4];
                numbers++;
                const char *word = isnan(x) ? "'nan'" : x > 0 ? "'inf'" : "'-inf'";
                if (!isfinite(x) ? strcmp(line, word) != 0
                                 : !same_double(strtod(line, NULL), x)) {
                    bad++;
                    fprintf(stderr, "json: %s: got %s, want %.17g\n", s[i].name, line, x);
                }
            }
        }
    }
    CHECK(bad == 0);
    CHECK(numbers == 5 * 5 + 4 * (11 + 11 + 3 + 11));
    CHECK(strtok_r(NULL, "\n", &save) == NULL);
    /* the shape of DESIGN section 2 */
    HAS(json, "\"percentiles\": [\n        {\"p\": 0.005, \"value\": 6000.5, \"ci_low\": 5900, "
              "\"ci_high\": 6100},");
    HAS(json, "\"value\": 0.30000000000000004, \"ci_low\": 5e-324, "
              "\"ci_high\": 1.7976931348623157e+308}");
    HAS(json, "\"ci_low\": -0.0,");   /* "-0" would come back as the integer 0 */
    HAS(json, "\"mean_se\": \"nan\",\n      \"min\": \"-inf\",\n      \"max\": \"inf\",");
    free(json);
    free(out);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_csv(void)
{
    int rc;
    char *csv = render("csv", &rc);
    CHECK(rc == 0);
    /* header, then 7 rows of scalars and one per percentile for each stat */
    CHECK(count_lines(csv) == 1 + 5 * 7 + 11 + 11 + 3 + 11 + 0);
    static const char head[] = "kind,name,statistic,p,value,ci_low,ci_high\n"
                               "output,co2_t,mean,,12789.123456,,\n"
                               "output,co2_t,std,,3210.98765,,\n"
                               "output,co2_t,mean_se,,3.21,,\n"
                               "output,co2_t,min,,5123.456,,\n"
                               "output,co2_t,max,,30456.789,,\n"
                               "output,co2_t,nonfinite,,17,,\n"
                               "output,co2_t,count,,999983,,\n"
                               "output,co2_t,percentile,0.005,6000.5,5900,6100\n";
    CHECK(strncmp(csv, head, strlen(head)) == 0);
    HAS(csv, "\noutput,co2_t,percentile,0.5,12456.4635,12431.2,12480.9\n");
    HAS(csv, "\noutput,energy_kwh,mean_se,,NaN,,\noutput,energy_kwh,min,,-Inf,,\n"
             "output,energy_kwh,max,,Inf,,\n");
    HAS(csv, "\noutput,energy_kwh,percentile,0.005,0.30000000000000004,"
             "5e-324,1.7976931348623157e+308\n");
    HAS(csv, "\noutput,energy_kwh,percentile,0.75,56949750.00000001,56877250.00000001,"
             "57027250.00000001\n");
    HAS(csv, "\noutput,co2_t,percentile,0.995,30000,29000,31000\n");
    HAS(csv, "\ninput,load.1,percentile,0.99,0.75,0.7,0.8\n");
    HAS(csv, "\ninput,\"a,\"\"b\"\"\",count,,1000000,,\n");
    /* and a CSV reader agrees: every row has seven fields */
    char *out = python_on("import csv, sys\n"
                          "rows = list(csv.reader(sys.stdin))\n"
                          "print(len(rows), set(len(r) for r in rows), rows[-1][1])\n",
                          csv);
    CHECK_STR(out, "72 {7} a,\"b\"\n");
    free(out);
    free(csv);
}

static void test_text(void)
{
    int rc;
    char *t = render("text", &rc);
    CHECK(rc == 0);
    HAS(t, "GPT-4 & co: 100% $_#{}~^\\ \"quoted\"\n"
           "1,000,000 samples, seed 18446744073709551557 (monte carlo, philox4x32-10)\n");
    HAS(t, "\nco2_t  training emissions [t CO2e]\n");
    /* the median to the tens, as its interval resolves (see co2_v) */
    HAS(t, "  median               12,460   12,430 to 12,480\n");
    /* mean: 95% interval 12789.12 +- 6.29, width 12.6, half 6.3: units */
    HAS(t, "  mean                 12,789   12,783 to 12,795 (standard error 3.2)\n");
    /* P5 8123.4 [8101.2, 8145.9]: width 44.7, half 22: tens */
    HAS(t, "  90% interval  P5      8,120   8,100 to 8,150\n");
    HAS(t, "                P95    18,460   18,390 to 18,520\n");
    /* P2.5 7001.25 [6950.5, 7040.5]: width 90, half 45: tens */
    HAS(t, "  95% interval  P2.5    7,000   6,950 to 7,040\n");
    HAS(t, "                P97.5  21,000   20,900 to 21,100\n");
    HAS(t, "  std                   3,210\n");   /* 3 significant digits */
    /* min and max to the median's digit */
    HAS(t, "  min                   5,120\n");
    HAS(t, "  max                  30,460\n");
    HAS(t, "  nonfinite                17   of 1,000,000 samples were NaN or infinite");
    /* energy_kwh: 51,772,500 within [51,700,000, 51,850,000]: ten thousands; the
       mean has no standard error: up to 10 digits and no interval */
    HAS(t, "  median                  51,770,000   51,700,000 to 51,850,000\n");
    HAS(t, "  mean                 51,772,500.12\n");
    HAS(t, "  min                           -inf\n");
    /* inputs: median and 90% interval; the custom percentiles of load.1 have no P5 */
    HAS(t, "\nrandom inputs\n");
    HAS(t, "                         median   90% interval   distribution\n");
    HAS(t, "  load.1                  0.500   - to -         beta(8, 2)\n");
    /* a median that cannot move (choice) is shown as it is */
    HAS(t, "  intensity [gCO2e/kWh]   240.6   20 to 240.6    choice(240.6, 20)\n");
    CHECK(strstr(t, "nan") == NULL);
    free(t);

    /* load.1 as an output: no P5, P95, P2.5 or P97.5, so no intervals, but the
       percentiles it has are listed; nothing is made up */
    results.outputs = &stats[2];
    results.noutputs = 1;
    t = render("text", &rc);
    results.outputs = &stats[0];
    results.noutputs = 2;
    CHECK(rc == 0);
    /* P1 0.25 within [0.2, 0.3] resolves hundredths, but 3 digits is the least */
    HAS(t, "  median                0.500   0.490 to 0.510\n");
    HAS(t, "  percentiles   P1      0.250   0.200 to 0.300\n");
    HAS(t, "                P99     0.750   0.700 to 0.800\n");
    CHECK(strstr(t, "interval  P") == NULL);
    CHECK(strstr(t, "nonfinite") == NULL);
    free(t);
}

static void test_tables(void)
{
    int rc;
    char *md = render("markdown", &rc);
    CHECK(rc == 0);
    HAS(md, "**GPT-4 & co: 100% $\\_\\#{}~^\\\\ \"quoted\"**: 1,000,000 Monte Carlo samples, "
            "seed 18446744073709551557.\n");
    /* the default percentiles: the 95% and 90% intervals around the median, the mean
       first and the Monte Carlo error of the median last, in a column of its own */
    HAS(md, "\n| output | unit | mean | P2.5 | P5 | Median | P95 | P97.5 | Monte Carlo error: "
            "95% interval of the median |\n|:--|:--|--:|--:|--:|--:|--:|--:|--:|\n"
            "| `co2_t` | t CO2e | 12,789 | 7,000 | 8,120 | 12,460 | 18,460 | 21,000 | "
            "12,430\u201312,480 |\n");
    HAS(md, "| `load.1` |  | 0.5000 | n/a | n/a | 0.500 | n/a | n/a | 0.490\u20130.510 |\n");
    HAS(md, "\n| random input | unit |");
    HAS(md, "| `a,\"b\"` | % | 1.5000 | n/a | n/a | n/a | n/a | n/a | n/a |\n");
    free(md);

    char *tex = render("latex", &rc);
    CHECK(rc == 0);
    HAS(tex, "% carbonmc summary: GPT-4 & co: 100% $_#{}~^\\ \"quoted\"\n");
    HAS(tex, "\\begin{tabular}{llrrrrrrr}\n\\toprule\n"
             "Quantity & Unit & Mean & P2.5 & P5 & Median & P95 & P97.5 & MC error of the "
             "median (95\\%) \\\\\n\\midrule\n\\multicolumn{9}{l}{\\textit{Outputs}} \\\\\n"
             "co2\\_t & t CO$_2$e & 12{,}789 & 7{,}000 & 8{,}120 & 12{,}460 & 18{,}460 & "
             "21{,}000 & 12{,}430--12{,}480 \\\\\n");
    HAS(tex, "\\midrule\n\\multicolumn{9}{l}{\\textit{Random inputs}} \\\\\n");
    HAS(tex, "a,\"b\" & \\% & ");
    HAS(tex, "intensity & gCO$_2$e/kWh & 130.3 & 20 & 20 & 240.6 & 240.6 & 240.6 & "
             "240.6--240.6 \\\\\n");
    HAS(tex, "\\bottomrule\n\\end{tabular}\n");
    CHECK(strstr(tex, "n/a & n/a & n/a & n/a & n/a & n/a \\\\") != NULL);   /* a,"b": none */
    free(tex);

    /* a run with --percentiles 0.01,0.5,0.99: exactly those columns, nothing made up */
    results.outputs = &stats[2];
    results.noutputs = 1;
    tex = render("latex", &rc);
    CHECK(rc == 0);
    HAS(tex, "\\begin{tabular}{llrrrrr}\n\\toprule\n"
             "Quantity & Unit & Mean & P1 & Median & P99 & MC error of the median (95\\%) \\\\\n"
             "\\midrule\n\\multicolumn{7}{l}{\\textit{Outputs}} \\\\\n"
             "load.1 &  & 0.5000 & 0.250 & 0.500 & 0.750 & 0.490--0.510 \\\\\n");
    CHECK(strstr(tex, "P2.5") == NULL && strstr(tex, "P5 ") == NULL);
    free(tex);
    /* --no-mc-error: the last column left out */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(cmc_report_flags(f, &results, "latex", CMC_REPORT_NO_MC) == 0);
    fclose(f);
    HAS(buf, "\\begin{tabular}{llrrrr}\n\\toprule\nQuantity & Unit & Mean & P1 & Median & P99 "
             "\\\\\n");
    HAS(buf, "load.1 &  & 0.5000 & 0.250 & 0.500 & 0.750 \\\\\n");
    CHECK(strstr(buf, "MC error") == NULL);
    free(buf);
    results.outputs = &stats[0];
    results.noutputs = 2;
}


/* Sensitivity in words: the summary line, the legend, the log-variance shares only
   where they add to one, inputs without a path to the output left out. */
static double sv[3][CMC_SENS_NEST][3], sl[3][CMC_SENS_NEST][3], sh[3][CMC_SENS_NEST][3];
static double swl[3][3], swh[3][3];
static const char *sin_[3] = {"intensity", "load", "lonely"};

static void sens_case(cmc_sensitivity *se, int c, const char *out, const double st[3],
                      const double share[3], double base)
{
    memset(se, 0, sizeof *se);
    se->output = out;
    se->ninputs = 3;
    se->input = sin_;
    se->samples = 100000;
    se->swing_base = base;
    for (int e = 0; e < CMC_SENS_NEST; e++) {
        se->value[e] = sv[c][e];
        se->ci_low[e] = sl[c][e];
        se->ci_high[e] = sh[c][e];
        for (int j = 0; j < 3; j++) {
            double v = e == CMC_SENS_LOGVAR_SHARE ? share[j] : e == CMC_SENS_SPEARMAN ? 0.5 * st[j]
                                                                                      : st[j];
            sv[c][e][j] = v;
            sl[c][e][j] = v == 0 && j == 2 ? 0 : v - 0.002;
            sh[c][e][j] = v == 0 && j == 2 ? 0 : v + 0.002;
        }
    }
    se->swing_low = swl[c];
    se->swing_high = swh[c];
    for (int j = 0; j < 3; j++) {
        swl[c][j] = j == 2 ? base : base * (0.5 + 0.1 * j);
        swh[c][j] = j == 2 ? base : base * (2 - 0.5 * j);
    }
}

static void test_sensitivity_words(void)
{
    cmc_sensitivity se[3];
    /* a product of powers: shares add to one; `lonely` has no path to the output */
    sens_case(&se[0], 0, "co2_t", (const double[]){0.95, 0.05, 0}, (const double[]){0.96, 0.04, 0},
              907.1);
    /* a sum: the shares add to 0.9 */
    sens_case(&se[1], 1, "total_t", (const double[]){0.6, 0.45, 0}, (const double[]){0.5, 0.4, 0},
              50);
    /* no input dominates */
    sens_case(&se[2], 2, "mix_t", (const double[]){0.35, 0.3, 0}, (const double[]){0.6, 0.4, 0},
              10);
    char line[1200];
    rep_sens_summary(line, sizeof line, &se[0]);
    CHECK_STR(line, "intensity explains 95% of the variance of co2_t (Sobol total 0.950 "
                    "[0.948, 0.952]); fixing it would remove nearly all of the spread; next, "
                    "load explains 5%");
    rep_sens_summary(line, sizeof line, &se[1]);
    CHECK_STR(line, "intensity explains 60% of the variance of total_t (Sobol total 0.600 "
                    "[0.598, 0.602]); fixing it would remove most of the spread; next, load "
                    "explains 45%");
    rep_sens_summary(line, sizeof line, &se[2]);
    CHECK_STR(line, "intensity explains 35% of the variance of mix_t (Sobol total 0.350 "
                    "[0.348, 0.352]); no single input dominates; fixing it would remove part "
                    "of the spread; next, load explains 30%");
    double sum;
    CHECK(rep_logvar_applies(&se[0], &sum) == 1 && fabs(sum - 1) < 1e-12);
    CHECK(rep_logvar_applies(&se[1], &sum) == 0 && fabs(sum - 0.9) < 1e-12);
    CHECK(rep_sens_related(&se[0], 0) && rep_sens_related(&se[0], 1) && !rep_sens_related(&se[0], 2));
    rep_logvar_reason(line, sizeof line, &se[1]);
    CHECK_STR(line, "not applicable: the shares add to 0.900, not 1, so ln total_t is not a sum "
                    "of the inputs' logarithms (the model adds quantities or uses if, min, max "
                    "or clamp); use the Sobol indices");

    cmc_results rs = results;
    rs.sensitivity = se;
    rs.nsensitivity = 2;
    cmc_results saved = results;
    results = rs;
    int rc;
    char *t = render("text", &rc);
    CHECK(rc == 0);
    HAS(t, "\nsensitivity of co2_t (Sobol design: 500,000 model runs; by total index)\n"
           "  intensity explains 95% of the variance of co2_t (Sobol total 0.950 [0.948, 0.952]);"
           " fixing it would remove nearly all of the spread; next, load explains 5%\n");
    HAS(t, "  intensity  0.475 [0.473, 0.477]    0.960 [0.958, 0.962]    ");
    HAS(t, "  (left out, no path to co2_t: lonely)\n");
    CHECK(strstr(t, "  lonely ") == NULL);
    HAS(t, "  intensity  0.300 [0.298, 0.302]    n/a (see below)         0.600 [0.598, 0.602]");
    HAS(t, "  (share of Var(ln): not applicable: the shares add to 0.900, not 1, so ln total_t");
    HAS(t, "  Spearman: rank correlation of input and output. Share of Var(ln): the input's share of\n");
    free(t);
    char *md = render("markdown", &rc);
    HAS(md, "| `intensity` | 0.300 [0.298, 0.302] | n/a | 0.600 [0.598, 0.602] |");
    CHECK(strstr(md, "`lonely`") == NULL);
    HAS(md, "\nintensity explains 60% of the variance of total\\_t (Sobol total 0.600 \\[0.598, 0.602\\]); ");
    free(md);
    char *js = render("json", &rc);
    HAS(js, "\"logvar_share_applies\": false, \"logvar_share_sum\": 0.9, \"no_path\": [\"lonely\"]}");
    free(js);
    results = saved;
}

/* P(variant > reference) and its interval read the same way near 0 and near 1 */
static void test_prob(void)
{
    char b[64];
    rep_fmt_prob(b, sizeof b, 1 - 3.8e-6, 2);
    CHECK_STR(b, "1 - 3.8e-6");
    rep_fmt_prob(b, sizeof b, 3.8e-6, 2);
    CHECK_STR(b, "3.8e-6");
    rep_fmt_prob(b, sizeof b, 1, 2);
    CHECK_STR(b, "1");
    rep_fmt_prob(b, sizeof b, 0.5, 3);
    CHECK_STR(b, "0.5");
    rep_fmt_prob(b, sizeof b, 0.995, 3);
    CHECK_STR(b, "1 - 0.005");
}

static void test_formats(void)
{
    int rc;
    char *s = render("yaml", &rc);
    CHECK(rc == -1);
    CHECK(s && s[0] == '\0');
    free(s);
    s = render(NULL, &rc);
    CHECK(rc == -1);
    free(s);
    int n = 0;
    for (const char *const *f = cmc_report_formats; *f; f++)
        n++;
    CHECK(n == 5);

    /* a stream that cannot be written */
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        CHECK(cmc_report(f, &results, "json") == -2);
        fclose(f);
    }
}

static void human(int line, double x, const char *want)
{
    char buf[64];
    cmc_fmt_human(buf, sizeof buf, x);
    CHECK_MSG(strcmp(buf, want) == 0, "line %d: %.17g gives \"%s\", want \"%s\"", line, x, buf,
              want);
}
#define HUMAN(x, want) human(__LINE__, x, want)

static void test_human(void)
{
    HUMAN(51772500, "51,772,500");
    HUMAN(12456.4635, "12,456.4635");
    HUMAN(-1234.5, "-1,234.5");
    HUMAN(0.1 + 0.2, "0.3");
    HUMAN(1.0 / 3, "0.3333333333");
    HUMAN(2.0 / 3 * 1e6, "666,666.6667");
    HUMAN(999.99999999999, "1,000");
    HUMAN(123, "123");
    HUMAN(1234, "1,234");
    HUMAN(0, "0");
    HUMAN(-0.0, "0");
    HUMAN(0.0001, "0.0001");
    HUMAN(0.00009, "9e-5");
    HUMAN(-3.25e-7, "-3.25e-7");
    HUMAN(999999999, "999,999,999");
    HUMAN(123456789012, "123,456,789,000");    /* 10 significant digits */
    HUMAN(999999999999, "1e12");               /* rounds up to 10 digits: 1e12 */
    HUMAN(1e12, "1e12");
    HUMAN(1234567890123, "1.23456789e12");
    HUMAN(6.02214076e23, "6.02214076e23");
    HUMAN(1.7976931348623157e308, "1.797693135e308");
    HUMAN(5e-324, "4.940656458e-324");   /* a subnormal */
    HUMAN(NAN, "nan");
    HUMAN(INFINITY, "inf");
    HUMAN(-INFINITY, "-inf");
    char small[6];
    cmc_fmt_human(small, sizeof small, 51772500);   /* truncated, never overrun */
    CHECK_STR(small, "51,77");
}

static void json_string(int line, const char *s, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cmc_fmt_json_string(f, s);
    fclose(f);
    CHECK_MSG(strcmp(buf, want) == 0, "line %d: got %s, want %s", line, buf, want);
    free(buf);
}
#define JSON_STRING(s, want) json_string(__LINE__, s, want)

static void test_json_helpers(void)
{
    JSON_STRING("co2_t", "\"co2_t\"");
    JSON_STRING("a \"q\" \\ b", "\"a \\\"q\\\" \\\\ b\"");
    JSON_STRING("tab\tnl\ncr\r\x01\x7f", "\"tab\\tnl\\ncr\\r\\u0001\\u007f\"");
    JSON_STRING("\u00e9\u2014\u2713 \xf0\x9f\x8c\x8d", "\"\u00e9\u2014\u2713 \xf0\x9f\x8c\x8d\"");
    JSON_STRING("bad \xff \xc3 \xe2\x82 \xc0\xaf \xed\xa0\x80 end",
                "\"bad \\ufffd \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
                "end\"");
    JSON_STRING(NULL, "\"\"");

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    double xs[] = {0.1, 1e21, -2.5e-8, 100, NAN, -INFINITY, 123456789012345678.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        cmc_fmt_json_number(f, xs[i]);
        fputc(' ', f);
    }
    fclose(f);
    CHECK_STR(buf, "0.1 1e+21 -2.5e-08 100 \"nan\" \"-inf\" 1.2345678901234568e+17 ");
    free(buf);
}

int main(void)
{
    find_python();
    setup();
    test_human();
    test_json_helpers();
    test_json();
    test_csv();
    test_text();
    test_tables();
    test_sensitivity_words();
    test_prob();
    test_formats();
    return CHECK_DONE();
}
