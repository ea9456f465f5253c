// Glicko-2's rating-period update written out step by step from Glickman's
// "Example of the Glicko-2 system" (2013), independently of quest/rating.cc,
// so that tests can check the service's period updates against the formula
// itself. tau = 0.5, the system constant the service uses.
#ifndef QS_TESTS_QUEST_GLICKO2_BY_HAND_H_
#define QS_TESTS_QUEST_GLICKO2_BY_HAND_H_

#include <cmath>
#include <vector>

namespace qs::testing {

struct ByHandRating {
  double rating;
  double deviation;
  double volatility;
};

struct ByHandGame {
  double opponent_rating;
  double opponent_deviation;
  double score;
};

inline ByHandRating Glicko2PeriodByHand(const ByHandRating& player,
                                        const std::vector<ByHandGame>& games) {
  constexpr double kScale = 173.7178;
  constexpr double kTau = 0.5;
  constexpr double kPi = 3.14159265358979323846;
  // Step 2: to the Glicko-2 scale.
  const double mu = (player.rating - 1500) / kScale;
  const double phi = player.deviation / kScale;
  const double sigma = player.volatility;
  // Steps 3 and 4: the estimated variance v and improvement delta.
  double v_inverse = 0;
  double delta_sum = 0;
  for (const ByHandGame& game : games) {
    const double mu_j = (game.opponent_rating - 1500) / kScale;
    const double phi_j = game.opponent_deviation / kScale;
    const double g = 1 / std::sqrt(1 + 3 * phi_j * phi_j / (kPi * kPi));
    const double e = 1 / (1 + std::exp(-g * (mu - mu_j)));
    v_inverse += g * g * e * (1 - e);
    delta_sum += g * (game.score - e);
  }
  const double v = 1 / v_inverse;
  const double delta = v * delta_sum;
  // Step 5: the new volatility, by the Illinois algorithm.
  const double a = std::log(sigma * sigma);
  auto f = [&](double x) {
    const double ex = std::exp(x);
    const double d = phi * phi + v + ex;
    return ex * (delta * delta - phi * phi - v - ex) / (2 * d * d) - (x - a) / (kTau * kTau);
  };
  double A = a;
  double B;
  if (delta * delta > phi * phi + v) {
    B = std::log(delta * delta - phi * phi - v);
  } else {
    int k = 1;
    while (f(a - k * kTau) < 0) ++k;
    B = a - k * kTau;
  }
  double fA = f(A);
  double fB = f(B);
  while (std::fabs(B - A) > 0.000001) {
    const double C = A + (A - B) * fA / (fB - fA);
    const double fC = f(C);
    if (fC * fB <= 0) {
      A = B;
      fA = fB;
    } else {
      fA = fA / 2;
    }
    B = C;
    fB = fC;
  }
  const double new_sigma = std::exp(A / 2);
  // Steps 6 and 7: the new deviation and rating.
  const double phi_star = std::sqrt(phi * phi + new_sigma * new_sigma);
  const double new_phi = 1 / std::sqrt(1 / (phi_star * phi_star) + 1 / v);
  const double new_mu = mu + new_phi * new_phi * delta_sum;
  // Step 8: back to the Glicko scale.
  return {kScale * new_mu + 1500, kScale * new_phi, new_sigma};
}

}  // namespace qs::testing

#endif  // QS_TESTS_QUEST_GLICKO2_BY_HAND_H_
