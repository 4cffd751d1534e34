#!/usr/bin/env python3
# The 2026 end-to-end rows (tests/data/published/e2e_measurements_2026.csv) predicted as
# tests/published_e2e_2026_test.cc predicts them, for trying a change before making it:
#   scripts/predict_e2e_2026.py [BINARY] [-- extra estimate flags]
# TRT_EXTRA="flags" adds flags to the TensorRT-LLM 0.5/0.9 (C++ runtime) rows only; docs/cost-model.md
# section 13 quotes its output for --step-overhead-us/--request-overhead-ms/--seq-overhead-us variants.
import csv,json,subprocess,sys,statistics,os
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
argv=sys.argv[1:]
B=argv.pop(0) if argv and argv[0]!='--' else ROOT+'/build/attncost'
if argv and argv[0]=='--': argv=argv[1:]
meas={r['id']:(i,r) for i,r in enumerate(csv.DictReader(open(ROOT+'/tests/data/published/e2e_measurements_2026.csv')))}
pred=list(csv.DictReader(open(ROOT+'/tests/data/published/e2e_predict_2026.csv')))
extra=argv
import re
trt_extra=os.environ.get("TRT_EXTRA","").split()
res=[]
for p in pred:
    i,r=meas[p['id']]
    metric=r['metric']; kind=r['kind']
    b=int(r['batch'] or 1); ctx=round(float(r['input_len'] or 1)); gen=round(float(r['output_len'] or 1))
    if metric=='itl_fit_intercept': ctx,gen=1,2
    args=[B,'estimate']+p['flags'].split()+['--ctx',str(ctx),'--batch',str(b),'--gen',str(max(gen,1)),'--format','json']+extra+(trt_extra if re.match(r'trt0(9|5)',p['id']) else [])
    o=subprocess.run(args,cwd=ROOT,capture_output=True,text=True)
    if o.returncode: print(p['id'],o.stderr.strip()[:200]); continue
    s=json.loads(o.stdout)['serving']
    v=float(r['value']); unit=r['unit']; g=int(r['gpu_count'])
    scale={'ms':1e-3,'s':1}.get(unit,None)
    if metric in ('ttft','mean_ttft'): pt,mt=s['ttft_s'],v*scale
    elif metric in ('median_itl','tpot','itl_p50','itl_fit_intercept'): pt,mt=s['itl_mean_s'],v*scale
    elif metric in ('elapsed_time','avg_latency'): pt,mt=s['cycle_s'],v*scale
    else:
        pv=s['output_tokens_per_s_per_gpu']
        if metric=='output_tokens_per_s_per_gpu': mv=v
        elif metric in ('output_tokens_per_s','total_output_tokens_per_s'): mv=v/g
        elif metric=='total_tokens_per_s': mv=v*gen/(ctx+gen)/g
        else: raise Exception(metric)
        pt,mt=1/pv,1/mv
    err=pt/mt-1
    res.append((i,p['id'],kind,err))
    print(f"{i:3d} {'H' if i%3==2 else ' '} {p['id']:55s} {kind:24s} {err*100:+7.1f}%")
def summ(name,xs):
    if not xs: return
    a=[abs(x) for x in xs]
    print(f"{name:30s} n={len(xs):3d} median={statistics.median(a)*100:5.1f}% worst={max(a)*100:6.1f}% fast={sum(x<0 for x in xs)/len(xs)*100:4.0f}%")
for part,sel in [('fit',lambda i:i%3!=2),('held',lambda i:i%3==2)]:
    summ(part+' all',[e for i,_,k,e in res if sel(i)])
    for kind in sorted(set(k for _,_,k,_ in res)):
        summ(f'{part} {kind}',[e for i,_,k,e in res if sel(i) and k==kind])
