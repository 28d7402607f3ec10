/**
 * The paper's contribution, the Class-conditional Prompting Machine (Sec. 3.2).
 *
 * <ul>
 *   <li>{@link cpm.prompting.GaussianMixture}: CCDM's per-class Gaussian mixtures (Eq. 2), their batched,
 *       differentiable log-likelihood and EM (Eq. 3-4) with momentum;</li>
 *   <li>{@link cpm.prompting.MemoryBank}: the FIFO set F of matched embeddings per class;</li>
 *   <li>{@link cpm.prompting.Ccdm}: fills the bank after matching and refits the mixtures on schedule;</li>
 *   <li>{@link cpm.prompting.GmmClassifier}: the generative classifier of Eq. 1 behind {@code cpm.model.Classifier};</li>
 *   <li>{@link cpm.prompting.PromptSampler}: the class-conditional prompts z^k for VCP and ACP;</li>
 *   <li>{@link cpm.prompting.AudioConditionalPrompting}: l_ACP (Eq. 5);</li>
 *   <li>{@link cpm.prompting.PromptContrastiveLearning}: l_PCL (Eq. 7-9).</li>
 * </ul>
 *
 * Choices where the paper is silent (docs/method.md): embeddings are L2-normalised before modelling; the
 * no-object class has its own mixture; a class's first EM fit replaces its random initialisation and later fits
 * are blended with momentum; diagonal variances are clamped at the floor, full covariances get the floor added
 * to their diagonal; mixture parameters are float32 values (exact checkpoints). l_VCP (Eq. 6) is the
 * class-agnostic loss with the prompts' fixed assignment and lives with the other set losses in cpm.train.
 */
package cpm.prompting;
