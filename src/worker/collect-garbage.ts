// A source worker's full garbage collection, run as each of its jobs ends (a table's feed, a tally). An
// isolate that goes idle collects nothing, so every worker kept the heap its last job grew, and the run's
// peak — in the closing verify — is the sum of five heaps: collecting at job ends took 30–35 MiB off it
// at 1M. V8 offers gc() only under --expose-gc, which a worker cannot be started
// with; set at run time, the flag applies to contexts made afterwards (jest's leak detector does the same).
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');

export const collectGarbage = vm.runInNewContext('gc') as () => void;
