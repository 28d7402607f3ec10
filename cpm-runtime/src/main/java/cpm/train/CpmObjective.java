package cpm.train;

import cpm.nn.Scalars;

import ai.djl.ndarray.NDArray;
import cpm.dsl.Sections;

/**
 * The overall objective of Sec. 3.2, l = l_agn + lambda (w_VCP l_VCP + w_ACP l_ACP + w_PCL l_PCL): the one place that
 * reads lambda and the task weights (cpm.lambda, cpm.vcpWeight, cpm.acpWeight, cpm.pclWeight), once, the way
 * Mask2Former's SetCriterion holds its weight table. It also reports each term's share of the weighted total, so a
 * person can see which task drives training (history.csv columns share_*).
 */
public final class CpmObjective {

    /** One step's loss terms as tensors (null: off this step). */
    public static final class Terms {
        NDArray agn;
        NDArray vcp;
        NDArray acp;
        NDArray pcl;
        int[][] assigned;
    }

    /** A step's terms as numbers (NaN: off) and their shares of the total. */
    public record Values(double total, double agn, double vcp, double acp, double pcl, double shareVcp,
                         double shareAcp, double sharePcl) {
    }

    private final float lambda;
    private final float wVcp;
    private final float wAcp;
    private final float wPcl;

    public CpmObjective(Sections.Cpm c) {
        this.lambda = (float) c.lambda();
        this.wVcp = (float) c.vcpWeight();
        this.wAcp = (float) c.acpWeight();
        this.wPcl = (float) c.pclWeight();
    }

    /** The weighted total, a scalar with the terms' graph. */
    public NDArray total(Terms t) {
        NDArray cpm = null;
        if (t.vcp != null) {
            cpm = t.vcp.mul(Scalars.of(wVcp));
        }
        if (t.acp != null) {
            cpm = cpm == null ? t.acp.mul(Scalars.of(wAcp)) : cpm.add(t.acp.mul(Scalars.of(wAcp)));
        }
        if (t.pcl != null) {
            cpm = cpm == null ? t.pcl.mul(Scalars.of(wPcl)) : cpm.add(t.pcl.mul(Scalars.of(wPcl)));
        }
        return cpm == null ? t.agn : t.agn.add(cpm.mul(Scalars.of(lambda)));
    }

    /** The numbers of a step whose total is {@code total}. */
    public Values values(Terms t, NDArray total) {
        // one host copy for all terms (each a device-to-host sync on a GPU); the same floats as one read each
        NDArray[] parts = {total, t.agn, t.vcp, t.acp, t.pcl};
        ai.djl.ndarray.NDList present = new ai.djl.ndarray.NDList();
        for (NDArray a : parts) {
            if (a != null) {
                present.add(a.stopGradient().reshape(1));
            }
        }
        float[] v = cpm.nn.HostCopies.floats("objective.values", ai.djl.ndarray.NDArrays.concat(present));
        double[] read = new double[parts.length];
        for (int i = 0, j = 0; i < parts.length; i++) {
            read[i] = parts[i] == null ? Double.NaN : v[j++];
        }
        double tot = read[0];
        double agn = read[1];
        double vcp = read[2];
        double acp = read[3];
        double pcl = read[4];
        return new Values(tot, agn, vcp, acp, pcl, share(wVcp, vcp, tot), share(wAcp, acp, tot),
                share(wPcl, pcl, tot));
    }

    /**
     * Throws {@link NonFiniteLossException} naming the first term that is not finite, before anything is updated.
     */
    static void checkFinite(Terms t, Values v, long step, java.util.List<String> items) {
        String bad = null;
        if (!Double.isFinite(v.agn())) {
            bad = "loss_agn";
        } else if (t.vcp != null && !Double.isFinite(v.vcp())) {
            bad = "loss_vcp";
        } else if (t.acp != null && !Double.isFinite(v.acp())) {
            bad = "loss_acp";
        } else if (t.pcl != null && !Double.isFinite(v.pcl())) {
            bad = "loss_pcl";
        }
        if (bad != null) {
            throw new NonFiniteLossException(step, bad, items, java.util.Map.of("loss_agn", v.agn(), "loss_vcp",
                    v.vcp(), "loss_acp", v.acp(), "loss_pcl", v.pcl()));
        }
    }

    private double share(float w, double v, double total) {
        return Double.isNaN(v) ? Double.NaN : (double) lambda * w * v / total;
    }
}
