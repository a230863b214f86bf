//! Fixed, equally spaced quadrature of the standard normal ability prior.

use crate::IrtError;

/// Largest number of quadrature nodes accepted. EAP keeps its per-node work
/// in a stack buffer of this size, so that it never allocates.
pub const MAX_NODES: usize = 256;

/// Equally spaced nodes on `[-bound, bound]` with weights proportional to
/// the standard normal density, normalised to sum to 1. This is the N(0, 1)
/// ability prior that identifies the scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrature {
    nodes: Vec<f64>,
    log_weights: Vec<f64>,
    weights: Vec<f64>,
}

impl Default for Quadrature {
    /// 41 nodes on `[-6, 6]`.
    fn default() -> Self {
        Self::build(41, 6.0)
    }
}

impl Quadrature {
    /// `points` equally spaced nodes on `[-bound, bound]` weighted by the
    /// standard normal density. Needs `3 <= points <= MAX_NODES` and a
    /// finite `bound > 0`.
    pub fn normal(points: usize, bound: f64) -> Result<Self, IrtError> {
        if !(3..=MAX_NODES).contains(&points) {
            return Err(IrtError::InvalidConfig(
                "quadrature points must be between 3 and 256",
            ));
        }
        if !(bound.is_finite() && bound > 0.0) {
            return Err(IrtError::InvalidConfig(
                "quadrature bound must be finite and > 0",
            ));
        }
        Ok(Self::build(points, bound))
    }

    /// Needs `points >= 2` and a finite `bound > 0` (checked by [`Self::normal`]).
    fn build(points: usize, bound: f64) -> Self {
        let step = 2.0 * bound / (points - 1) as f64;
        let nodes: Vec<f64> = (0..points).map(|k| -bound + step * k as f64).collect();
        let raw: Vec<f64> = nodes.iter().map(|t| -0.5 * t * t).collect();
        let max = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_norm = max + raw.iter().map(|r| (r - max).exp()).sum::<f64>().ln();
        let log_weights: Vec<f64> = raw.iter().map(|r| r - log_norm).collect();
        let weights = log_weights.iter().map(|l| l.exp()).collect();
        Self {
            nodes,
            log_weights,
            weights,
        }
    }

    /// The ability values of the nodes.
    #[must_use]
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// Prior weights of the nodes (sum to 1).
    #[must_use]
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Natural logarithms of [`Self::weights`].
    #[must_use]
    pub fn log_weights(&self) -> &[f64] {
        &self.log_weights
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false (a quadrature has at least 3 nodes); for API symmetry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_has_41_nodes_and_unit_prior() {
        let q = Quadrature::default();
        assert_eq!(q.len(), 41);
        let sum: f64 = q.weights().iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);
        let mean: f64 = q.nodes().iter().zip(q.weights()).map(|(t, w)| t * w).sum();
        let var: f64 = q
            .nodes()
            .iter()
            .zip(q.weights())
            .map(|(t, w)| t * t * w)
            .sum();
        assert!(mean.abs() < 1e-12);
        assert!((var - 1.0).abs() < 1e-3, "variance {var}");
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(Quadrature::normal(2, 6.0).is_err());
        assert!(Quadrature::normal(MAX_NODES + 1, 6.0).is_err());
        assert!(Quadrature::normal(41, f64::NAN).is_err());
        assert!(Quadrature::normal(41, -1.0).is_err());
    }
}
