package io.gpufleet.scheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceCsvTest {
    static final String NODES = "sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,P100\nn1,32000,131072,0,\n";
    static final String PODS = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
            + "p0,12000,16384,1,1000,,LS,Running,0,100,0\n"
            + "p1,6000,12288,1,460,V100M16|V100M32,LS,Running,5,,5\n"
            + "p2,8000,30517,0,0,,BE,Running,7,9,7\n";

    @Test
    void readsNodesAndPodsByHeaderName() throws Exception {
        List<TraceNode> nodes = TraceCsv.readNodes(new StringReader(NODES), "nodes.csv");
        assertEquals(List.of(new TraceNode("n0", 64000, 262144, 2, "P100"), new TraceNode("n1", 32000, 131072, 0, "")), nodes);
        List<TracePod> pods = TraceCsv.readPods(new StringReader(PODS), "pods.csv");
        assertEquals(3, pods.size());
        assertEquals(new TracePod("p1", 6000, 12288, 1, 460, Set.of("V100M16", "V100M32"), 5, -1), pods.get(1));
        assertEquals(TracePod.Kind.SHARING, pods.get(1).kind());
        assertEquals(TracePod.Kind.WHOLE, pods.get(0).kind());
        assertEquals(TracePod.Kind.CPU_ONLY, pods.get(2).kind());
        assertEquals(100, pods.get(0).deletionTime());
    }

    @Test
    void fiveColumnFilesHaveNoTimesNorModels() throws Exception {
        List<TracePod> pods = TraceCsv.readPods(new StringReader("name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1000,10,4,1000\n"), "m.csv");
        assertEquals(new TracePod("a", 1000, 10, 4, 1000, Set.of(), -1, -1), pods.get(0));
        assertEquals(TracePod.Kind.MULTI_GPU, pods.get(0).kind());
        assertEquals(4000, pods.get(0).gpuMilliTotal());
    }

    @Test
    void errorsNameFileLineAndColumn() {
        String bad = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1000,10,1,500\nb,x,10,1,500\n";
        var e = assertThrows(TraceFormatException.class, () -> TraceCsv.readPods(new StringReader(bad), "pods.csv"));
        assertEquals("pods.csv:3: column 2 (cpu_milli): 'x' is not an integer", e.getMessage());

        var e2 = assertThrows(TraceFormatException.class, () -> TraceCsv.readPods(
                new StringReader("name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1,1,2,500\n"), "p.csv"));
        assertTrue(e2.getMessage().startsWith("p.csv:2: column 5 (gpu_milli): 500 below 1000"), e2.getMessage());

        var e3 = assertThrows(TraceFormatException.class, () -> TraceCsv.readPods(
                new StringReader("name,cpu_milli,num_gpu,gpu_milli\na,1,0,0\n"), "p.csv"));
        assertTrue(e3.getMessage().startsWith("p.csv:1: missing column 'memory_mib'"), e3.getMessage());

        var e4 = assertThrows(TraceFormatException.class, () -> TraceCsv.readNodes(
                new StringReader("sn,cpu_milli,memory_mib,gpu,model\nn0,1,1,40,T4\n"), "n.csv"));
        assertEquals("n.csv:2: column 4 (gpu): 40 is outside 0..32", e4.getMessage());

        var e5 = assertThrows(TraceFormatException.class, () -> TraceCsv.readNodes(
                new StringReader("sn,cpu_milli,memory_mib,gpu,model\nn0,1,1,2,\n"), "n.csv"));
        assertEquals("n.csv:2: column 5 (model): a node with 2 GPUs needs a model", e5.getMessage());

        var e6 = assertThrows(TraceFormatException.class, () -> TraceCsv.readPods(
                new StringReader("name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1,1,0,0\na,1,1,0,0\n"), "d.csv"));
        assertEquals("d.csv:3: column 1 (name): duplicate pod name 'a'", e6.getMessage());

        var e7 = assertThrows(TraceFormatException.class, () -> TraceCsv.readPods(
                new StringReader("name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1,1\n"), "s.csv"));
        assertEquals("s.csv:2: column 4 (num_gpu): missing (the line has 3 fields)", e7.getMessage());
    }
}
