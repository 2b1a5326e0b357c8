import com.sun.tools.attach.VirtualMachine;
import javax.management.*;
import javax.management.remote.*;
import java.util.*;

/**
 * The requests a local Kafka broker served, by API key, from its own JMX RequestMetrics:
 *   java scripts/kafka-requests.java <broker pid> [seconds]
 * prints each key's count so far, or with [seconds] its rate over that interval (docs/performance.md).
 * Attaches to the JVM as its user (the attach API), so no JMX port is opened.
 */
public class KafkaRequests {
  public static void main(String[] a) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(a[0]);
    String url = vm.startLocalManagementAgent();
    MBeanServerConnection c = JMXConnectorFactory.connect(new JMXServiceURL(url)).getMBeanServerConnection();
    int seconds = a.length > 1 ? Integer.parseInt(a[1]) : 0;
    Map<String, Long> before = counts(c);
    if (seconds == 0) { before.forEach((k, v) -> System.out.println(k + " " + v)); return; }
    Thread.sleep(seconds * 1000L);
    Map<String, Long> after = counts(c);
    after.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue() - before.getOrDefault(y.getKey(), 0L), x.getValue() - before.getOrDefault(x.getKey(), 0L)))
      .forEach(e -> { long d = e.getValue() - before.getOrDefault(e.getKey(), 0L); if (d > 0) System.out.printf("%s %.1f/s%n", e.getKey(), d / (double) seconds); });
  }
  static Map<String, Long> counts(MBeanServerConnection c) throws Exception {
    Map<String, Long> out = new TreeMap<>();
    for (ObjectName n : c.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
      long count = ((Number) c.getAttribute(n, "Count")).longValue();
      out.merge(n.getKeyProperty("request"), count, Long::sum);
    }
    return out;
  }
}
