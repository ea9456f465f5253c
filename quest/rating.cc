#include "quest/rating.h"

#include <cmath>

namespace qs::quest {
namespace {

constexpr double kScale = 173.7178;  // Glicko <-> Glicko-2
constexpr double kTau = 0.5;         // volatility constraint
constexpr double kEpsilon = 0.000001;
constexpr double kPi = 3.14159265358979323846;
// Keeps a deviation within the usual bounds (never certain, never wider
// than a new player's).
constexpr double kMinDeviation = 30.0;
constexpr double kMaxDeviation = 350.0;

double G(double phi) { return 1.0 / std::sqrt(1.0 + 3.0 * phi * phi / (kPi * kPi)); }

double Expected(double mu, double mu_j, double phi_j) {
  return 1.0 / (1.0 + std::exp(-G(phi_j) * (mu - mu_j)));
}

// Step 5: the new volatility by the Illinois algorithm.
double NewVolatility(double sigma, double phi, double v, double delta) {
  const double a = std::log(sigma * sigma);
  auto f = [&](double x) {
    const double ex = std::exp(x);
    const double d = phi * phi + v + ex;
    return ex * (delta * delta - phi * phi - v - ex) / (2.0 * d * d) - (x - a) / (kTau * kTau);
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
  for (int i = 0; i < 100 && std::fabs(B - A) > kEpsilon; ++i) {
    const double C = A + (A - B) * fA / (fB - fA);
    const double fC = f(C);
    if (fC * fB <= 0) {
      A = B;
      fA = fB;
    } else {
      fA /= 2.0;
    }
    B = C;
    fB = fC;
  }
  return std::exp(A / 2.0);
}

}  // namespace

Rating UpdateRating(const Rating& player, const std::vector<GameResult>& games) {
  const double mu = (player.rating - 1500.0) / kScale;
  const double phi = player.deviation / kScale;
  if (games.empty()) {
    const double grown = std::sqrt(phi * phi + player.volatility * player.volatility);
    return {player.rating, std::fmin(grown * kScale, kMaxDeviation), player.volatility};
  }
  double v_inverse = 0.0;
  double improvement = 0.0;
  for (const GameResult& game : games) {
    const double mu_j = (game.opponent.rating - 1500.0) / kScale;
    const double phi_j = game.opponent.deviation / kScale;
    const double e = Expected(mu, mu_j, phi_j);
    v_inverse += G(phi_j) * G(phi_j) * e * (1.0 - e);
    improvement += G(phi_j) * (game.score - e);
  }
  const double v = 1.0 / v_inverse;
  const double delta = v * improvement;
  const double sigma = NewVolatility(player.volatility, phi, v, delta);
  const double phi_star = std::sqrt(phi * phi + sigma * sigma);
  const double new_phi = 1.0 / std::sqrt(1.0 / (phi_star * phi_star) + 1.0 / v);
  const double new_mu = mu + new_phi * new_phi * improvement;
  return {new_mu * kScale + 1500.0,
          std::fmax(kMinDeviation, std::fmin(new_phi * kScale, kMaxDeviation)), sigma};
}

std::pair<Rating, Rating> RateAttempt(const Rating& user, const Rating& puzzle, bool user_won) {
  const double score = user_won ? 1.0 : 0.0;
  return {UpdateRating(user, {{puzzle, score}}), UpdateRating(puzzle, {{user, 1.0 - score}})};
}

}  // namespace qs::quest
