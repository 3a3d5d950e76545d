//! The whole number `round`, `floor` and `ceiling` pick, of an Edm.Double or an Edm.Decimal.

use crate::ir::Function;
use crate::value::Decimal;
use rust_decimal::RoundingStrategy;

/// `round` (halves away from zero), `floor` or `ceiling`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Whole {
    /// The nearest whole number; halves away from zero (`round(-2.5)` is -3).
    Round,
    /// The greatest whole number not above.
    Floor,
    /// The least whole number not below.
    Ceiling,
}

impl Whole {
    /// The rounding `func` does, if it is `round`, `floor` or `ceiling`.
    pub(crate) fn of(func: Function) -> Option<Whole> {
        match func {
            Function::Round => Some(Whole::Round),
            Function::Floor => Some(Whole::Floor),
            Function::Ceiling => Some(Whole::Ceiling),
            _ => None,
        }
    }

    /// Of a double, exactly (`f64::round` does not add 0.5, which would make
    /// 0.49999999999999994 round to 1); NaN and infinities stay as they are.
    pub(crate) fn of_double(self, x: f64) -> f64 {
        match self {
            Whole::Round => x.round(),
            Whole::Floor => x.floor(),
            Whole::Ceiling => x.ceil(),
        }
    }

    /// Of a decimal, exactly.
    pub(crate) fn of_decimal(self, d: Decimal) -> Decimal {
        match self {
            Whole::Round => d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
            Whole::Floor => d.floor(),
            Whole::Ceiling => d.ceil(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Whole;
    use crate::value::Decimal;
    use std::str::FromStr;

    #[test]
    fn halves_round_away_from_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        for (x, round, floor, ceiling) in [
            (2.5, 3.0, 2.0, 3.0),
            (-2.5, -3.0, -3.0, -2.0),
            (0.49999999999999994, 0.0, 0.0, 1.0),
            (-0.5, -1.0, -1.0, -0.0),
            (
                4503599627370495.5,
                4503599627370496.0,
                4503599627370495.0,
                4503599627370496.0,
            ),
            (1e300, 1e300, 1e300, 1e300),
        ] {
            assert_eq!(Whole::Round.of_double(x), round, "{x}");
            assert_eq!(Whole::Floor.of_double(x), floor, "{x}");
            assert_eq!(Whole::Ceiling.of_double(x), ceiling, "{x}");
        }
        assert!(Whole::Round.of_double(f64::NAN).is_nan());
        assert_eq!(Whole::Round.of_decimal(d("2.5")), d("3"));
        assert_eq!(Whole::Round.of_decimal(d("-2.5")), d("-3"));
        assert_eq!(
            Whole::Round.of_decimal(d("2.4999999999999999999999999")),
            d("2")
        );
        assert_eq!(Whole::Floor.of_decimal(d("-0.1")), d("-1"));
        assert_eq!(
            Whole::Ceiling.of_decimal(d("0.0000000000000000000000000001")),
            d("1")
        );
    }
}
